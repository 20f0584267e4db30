/** GET /docs: the guides and the API reference as one static HTML page (scripts/build-docs-page.ts); no key needed. */
import page from '../generated/docs-page.json' with { type: 'json' };
import { publicHandler } from '../shared/middleware.ts';

/**
 * Everything the page needs is inline, and the policy lets the browser run exactly that: the
 * page's own script and style, by their hashes (built with the page), and nothing else from
 * anywhere: no other script, no image, font, frame, worker or connection.
 */
const POLICY = [
  "default-src 'none'",
  `script-src ${page.hashes.script.join(' ')}`,
  `style-src ${page.hashes.style.join(' ')}`,
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The page's headers (the benchmark serves the page with them too). */
export const DOCS_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': POLICY,
  'cache-control': 'public, max-age=300',
} as const;

export const handler = publicHandler('docs', async () => ({ statusCode: 200, headers: { ...DOCS_HEADERS }, body: page.html }));
