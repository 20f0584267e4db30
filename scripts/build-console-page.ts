/**
 * Builds the operator console (GET /console, functions/http/console.ts): scripts/console/*.js
 * bundled and minified by esbuild into one inline script, one inline style, one HTML page that
 * loads nothing from anywhere (its policy allows its own script and style by hash and requests to
 * the hub that served it). Run by scripts/build-schemas.ts; docs/operations.md states its size.
 */
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { inlineHashes } from './build-docs-page.ts';

const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --line: #8884; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; }
header { display: flex; gap: 1em; align-items: center; padding: .6em 1em; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.1em; margin: 0; flex: 1; }
main { padding: 0 1em 2em; }
section { margin: 1.5em 0; }
h2 { font-size: 1.05em; border-bottom: 1px solid var(--line); padding-bottom: .2em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25em .5em; border-bottom: 1px solid var(--line); vertical-align: top; }
td.none { opacity: .6; }
.badge { display: inline-block; padding: 0 .5em; border-radius: .8em; color: #fff; font-size: .85em; }
.badge.live { background: var(--ok); }
.badge.behind, .badge.failing { background: var(--warn); }
.badge.silent, .badge.disabled { background: var(--bad); }
tr.negative td { color: var(--bad); font-weight: 600; }
#status { font-size: .9em; opacity: .8; }
#status.error, p.error { color: var(--bad); opacity: 1; }
svg { width: 100%; max-width: 720px; height: auto; }
svg .bar { fill: var(--ok); }
svg .axis { font-size: 10px; fill: currentColor; }
svg .axis.end { text-anchor: end; }
form { display: flex; gap: .5em; align-items: center; margin: .5em 0; }
input { padding: .3em; min-width: 20em; }
button { padding: .3em .8em; }
`.trim();

/** The page's HTML. */
export function buildConsolePage(root: string): string {
  const out = buildSync({
    entryPoints: [join(root, 'scripts', 'console', 'console.js')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    logLevel: 'error',
  });
  const script = out.outputFiles[0]!.text.trim();
  if (script.includes('</script')) throw new Error('console: the bundled script may not contain </script');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>MixTicket hub console</title>',
    `<style>${STYLE}</style></head>`,
    '<body>',
    '<header><h1>MixTicket hub console</h1><span id="status"></span>',
    '<button id="refresh" type="button">Refresh</button><button id="forget" type="button">Forget key</button></header>',
    '<main id="main"></main>',
    `<script>${script}</script>`,
    '</body></html>',
  ].join('\n');
}

/** The page and the hashes of its inline script and style (the handler's Content-Security-Policy). */
export function consolePage(root: string): { html: string; hashes: { script: string[]; style: string[] } } {
  const html = buildConsolePage(root);
  return { html, hashes: inlineHashes(html) };
}
