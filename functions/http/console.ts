/** GET /console: the operator console, one static HTML page (scripts/build-console-page.ts); no key needed to load it. */
import page from '../generated/console-page.json' with { type: 'json' };
import { publicHandler } from '../shared/middleware.ts';

/**
 * The page's own script and style run (by their hashes, built with the page), and it may send
 * requests to the hub that served it; nothing else is loaded from anywhere, and no other
 * page may frame it. The key it asks for stays in the tab's session storage.
 */
const POLICY = [
  "default-src 'none'",
  `script-src ${page.hashes.script.join(' ')}`,
  `style-src ${page.hashes.style.join(' ')}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const CONSOLE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': POLICY,
  'cache-control': 'no-cache',
  'referrer-policy': 'no-referrer',
} as const;

export const handler = publicHandler('console', async () => ({ statusCode: 200, headers: { ...CONSOLE_HEADERS }, body: page.html }));
