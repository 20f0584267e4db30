/** GET /docs: the API reference as one HTML page (scripts/build-docs-page.ts); no key needed. */
import page from '../generated/docs-page.json' with { type: 'json' };
import { httpHandler } from '../shared/middleware.ts';

/**
 * Everything the page needs is inline; the policy makes the browser refuse anything else
 * (Redoc's search runs in a worker made from a blob).
 */
const POLICY = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  'img-src data: blob:',
  'font-src data:',
  'worker-src blob:',
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const handler = httpHandler('docs', async () => ({
  statusCode: 200,
  headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': POLICY, 'cache-control': 'public, max-age=300' },
  body: page.html,
}));
