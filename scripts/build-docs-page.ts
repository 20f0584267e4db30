/**
 * The API reference page (`GET /docs`): the OpenAPI document rendered by Redoc, with Redoc's
 * standalone bundle and the document inlined, so the page loads nothing from anywhere (the
 * handler's Content-Security-Policy forbids it too). Built by `npm run build` beside openapi.json.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Text that is safe inside a <script> element (no `</script`, no `<!--`). */
const scriptSafe = (js: string): string => js.replaceAll('</script', '<\\/script').replaceAll('<!--', '<\\!--');

/**
 * The one remote resource in Redoc's bundle: the sidebar's "API docs by Redocly" logo, fetched
 * from Redocly's CDN. It becomes an inline image (the text link stays as it is).
 */
const REMOTE_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const INLINE_LOGO = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#b62b2b"/></svg>',
)}`;

/** Redoc's standalone bundle, with nothing in it that would load from another host. */
function redocBundle(): string {
  const js = readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8');
  if (!js.includes(REMOTE_LOGO))
    throw new Error('docs page: Redoc no longer loads its logo from its CDN; check the bundle for other remote loads');
  return js.replaceAll(REMOTE_LOGO, INLINE_LOGO);
}

/** The HTML page of an OpenAPI document. */
export function buildDocsPage(doc: { info: { title: string; version: string } }): string {
  const redoc = redocBundle();
  // In JSON, `<` as \u003c means the same and can never close the script element.
  const spec = JSON.stringify(doc).replaceAll('<', '\\u003c');
  const options = { hideDownloadButton: false, expandResponses: '200,201', jsonSampleExpandLevel: 3, sortPropsAlphabetically: false };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title} API ${doc.info.version}</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<div id="reference"></div>
<script>${scriptSafe(redoc)}</script>
<script>Redoc.init(${spec}, ${JSON.stringify(options)}, document.getElementById('reference'));</script>
</body>
</html>
`;
}
