/**
 * The API page (`GET /docs`): the guides and the reference on one static HTML page, built by
 * `npm run build` beside openapi.json. Nothing renders in the browser: the HTML is the page,
 * with its styles and a small search script inline, so it loads nothing from anywhere (the
 * handler's Content-Security-Policy forbids it too) and shows at once.
 *
 *  - the guides are sections of the project's Markdown, selected by heading (GUIDES), rendered
 *    with `marked`: the docs stay their one source;
 *  - the reference is the OpenAPI document: its tags (with their descriptions), one entry per
 *    operation (parameters, request body with the document's examples, answers with a sample
 *    generated from their schema) and every schema of its components.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Marked, type Tokens } from 'marked';

type Json = Record<string, unknown>;
/** The parts of an OpenAPI 3.1 document the page shows. */
export interface OpenApiDoc {
  info: { title: string; version: string; summary?: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; securitySchemes?: Record<string, Json> };
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The guides, in page order: a section of a Markdown file (its heading and everything under it). */
export const GUIDES: readonly { title: string; file: string; heading: string }[] = [
  { title: 'Getting started', file: 'README.md', heading: 'Quickstart' },
  { title: 'Keys and roles', file: 'docs/api.md', heading: 'Authentication: keys, roles and scope' },
  { title: 'Polling without loss', file: 'docs/api.md', heading: 'Polling' },
  { title: 'Webhooks', file: 'docs/api.md', heading: 'Push delivery (webhooks)' },
  { title: 'Errors and limits', file: 'docs/api.md', heading: 'Errors and limits' },
  { title: 'Older forms', file: 'docs/api.md', heading: "The standard's forms" },
];

// ---------------------------------------------------------------- Markdown

/** GitHub's heading anchors, so that the docs' own `#links` keep working on the page. */
export const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');

const escapeHtml = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The lines of `file` from the heading `heading` up to the next heading of its level or above (code fences skipped). */
export function markdownSection(markdown: string, heading: string, file = 'markdown'): string {
  const lines = markdown.split('\n');
  let fence: string | null = null;
  let start = -1;
  let level = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const f = /^\s*(```|~~~)/.exec(line);
    if (f) fence = fence === null ? f[1]! : fence === f[1] ? null : fence;
    if (fence !== null && !f) continue;
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h || f) continue;
    if (start < 0 && h[2] === heading) {
      start = i;
      level = h[1]!.length;
    } else if (start >= 0 && h[1]!.length <= level) return lines.slice(start, i).join('\n');
  }
  if (start < 0) throw new Error(`docs page: ${file} has no heading "${heading}"`);
  return lines.slice(start).join('\n');
}

/** Markdown to HTML: headings get GitHub's anchors, links to other files become `#anchors` (checked later). */
function markdownRenderer(): { block: (md: string) => string; inline: (md: string) => string } {
  const used = new Map<string, number>();
  const marked = new Marked({
    gfm: true,
    renderer: {
      heading({ tokens, depth, text }: Tokens.Heading) {
        const base = slug(text);
        const n = used.get(base) ?? 0;
        used.set(base, n + 1);
        const id = n ? `${base}-${n}` : base;
        return `<h${depth} id="${id}">${this.parser.parseInline(tokens)}</h${depth}>\n`;
      },
      link({ href, tokens }: Tokens.Link) {
        const inner = this.parser.parseInline(tokens);
        if (/^https?:\/\//.test(href)) return `<a href="${escapeHtml(href)}" rel="noreferrer">${inner}</a>`;
        // Another file of the docs: its anchor, if the page has it (unresolved ones become text).
        const anchor = /#(.+)$/.exec(href)?.[1];
        return anchor ? `<a href="#${escapeHtml(anchor)}">${inner}</a>` : inner;
      },
    },
  });
  return {
    block: (md) => marked.parse(md, { async: false }),
    inline: (md) => marked.parseInline(md, { async: false }),
  };
}

// ---------------------------------------------------------------- schemas

const REF = '#/components/schemas/';
const refName = (ref: string): string => ref.slice(REF.length);
const schemaLink = (name: string): string => `<a href="#schema-${name}">${name}</a>`;

/** A schema's type in a few words, `$ref`s as links. */
function typeOf(s: Json | undefined): string {
  if (!s || typeof s !== 'object') return 'any';
  if (typeof s.$ref === 'string') return schemaLink(refName(s.$ref));
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) return ((s.anyOf ?? s.oneOf) as Json[]).map((a) => typeOf(a)).join(' <i>or</i> ');
  if (Array.isArray(s.allOf)) return (s.allOf as Json[]).map((a) => typeOf(a)).join(' <i>and</i> ');
  if ('const' in s) return `<code>${escapeHtml(JSON.stringify(s.const))}</code>`;
  const type = Array.isArray(s.type) ? (s.type as string[]).join(' | ') : ((s.type as string | undefined) ?? 'any');
  if (type === 'array') return `array of ${typeOf((s.items as Json | undefined) ?? undefined)}`;
  return `${type}${s.format ? ` <span class="fmt">(${escapeHtml(String(s.format))})</span>` : ''}`;
}

const ENUM_SHOWN = 24;
/** The constraints a reader needs, in words. */
function constraintsOf(s: Json): string[] {
  const out: string[] = [];
  const v = (k: string) => s[k] !== undefined;
  if (Array.isArray(s.enum)) {
    const values = s.enum as unknown[];
    const shown = values.slice(0, ENUM_SHOWN).map((e) => `<code>${escapeHtml(JSON.stringify(e))}</code>`);
    out.push(`one of ${shown.join(', ')}${values.length > ENUM_SHOWN ? ` and ${values.length - ENUM_SHOWN} more` : ''}`);
  }
  if (v('pattern')) out.push(`pattern <code>${escapeHtml(String(s.pattern))}</code>`);
  for (const [k, word] of [
    ['minimum', '≥'],
    ['exclusiveMinimum', '>'],
    ['maximum', '≤'],
    ['exclusiveMaximum', '<'],
  ] as const)
    if (v(k)) out.push(`${word} ${s[k]}`);
  const range = (min: unknown, max: unknown, unit: string) =>
    min !== undefined && max !== undefined
      ? `${min}–${max} ${unit}`
      : min !== undefined
        ? `at least ${min} ${unit}`
        : `at most ${max} ${unit}`;
  if (v('minLength') || v('maxLength')) out.push(range(s.minLength, s.maxLength, 'characters'));
  if (v('minItems') || v('maxItems')) out.push(range(s.minItems, s.maxItems, 'items'));
  if (v('x-decimalPlaces')) out.push(`at most ${s['x-decimalPlaces']} decimal places`);
  if (v('default')) out.push(`default <code>${escapeHtml(JSON.stringify(s.default))}</code>`);
  return out;
}

/** An inline object's properties (or an array's inline item object), to show nested. */
const inlineObject = (s: Json): Json | undefined => {
  if (s.properties) return s;
  const items = s.items as Json | undefined;
  return items?.properties ? items : undefined;
};

/** The properties of an object schema as a table; inline objects nested in a <details>. */
function propertiesTable(s: Json, md: (t: string) => string, depth = 0): string {
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const rows = Object.entries(props).map(([name, p]) => {
    const nested = depth < 4 ? inlineObject(p) : undefined;
    const notes = [p.description ? md(String(p.description)) : '', ...constraintsOf(p)].filter(Boolean).join('<br>');
    return `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td>${typeOf(p)}</td><td>${notes}${
      nested ? `<details><summary>properties</summary>${propertiesTable(nested, md, depth + 1)}</details>` : ''
    }</td></tr>`;
  });
  return rows.length ? `<table class="props"><tr><th>property</th><th>type</th><th></th></tr>${rows.join('')}</table>` : '';
}

/** A schema component: its description, constraints, alternatives and properties. */
function schemaBlock(s: Json, md: (t: string) => string): string {
  const parts: string[] = [];
  if (s.description) parts.push(`<p>${md(String(s.description))}</p>`);
  parts.push(`<p class="type">${typeOf(s.properties ? { ...s, type: 'object' } : s)}</p>`);
  const c = constraintsOf(s);
  if (c.length) parts.push(`<p>${c.join('; ')}</p>`);
  for (const alt of ((s.anyOf ?? s.oneOf ?? []) as Json[]).filter((a) => a.description))
    parts.push(`<p>${typeOf(alt)}: ${md(String(alt.description))}</p>`);
  parts.push(propertiesTable(s, md));
  const item = s.type === 'array' ? inlineObject(s) : undefined;
  if (item && item !== s) parts.push(propertiesTable(item, md));
  return parts.join('\n');
}

/** An example value of a schema: its own example, const, default or first enum value, else one made up by type. */
export function sampleOf(s: Json | undefined, schemas: Record<string, Json>, seen: readonly string[] = []): unknown {
  if (!s || typeof s !== 'object') return null;
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if ('const' in s) return s.const;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (typeof s.$ref === 'string') {
    const name = refName(s.$ref);
    return seen.includes(name) || seen.length > 8 ? {} : sampleOf(schemas[name], schemas, [...seen, name]);
  }
  if (Array.isArray(s.allOf)) {
    const merged: Json = {};
    for (const part of s.allOf as Json[]) Object.assign(merged, sampleOf(part, schemas, seen));
    const own = s.properties ? (sampleOf({ properties: s.properties }, schemas, seen) as Json) : {};
    return { ...merged, ...own };
  }
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) return sampleOf(((s.anyOf ?? s.oneOf) as Json[])[0], schemas, seen);
  const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string | undefined);
  if (type === 'object' || s.properties) {
    const out: Json = {};
    for (const [k, p] of Object.entries((s.properties ?? {}) as Record<string, Json>)) out[k] = sampleOf(p, schemas, seen);
    return out;
  }
  if (type === 'array') return s.items ? [sampleOf(s.items as Json, schemas, seen)] : [];
  if (type === 'integer' || type === 'number') {
    if (typeof s.minimum === 'number') return s.minimum;
    if (typeof s.exclusiveMinimum === 'number') return s.exclusiveMinimum + 1;
    return 0;
  }
  if (type === 'boolean') return true;
  if (type === 'null') return null;
  if (type === 'string') {
    const formats: Record<string, string> = {
      'date-time': '2026-03-16T06:41:57.204-05:00',
      date: '2026-03-16',
      uri: 'https://pcs.example.com/hooks/mixticket',
      uuid: '6f1c2b7e-4d3a-4e85-9b21-0c7d5e8f1a01',
      email: 'name@example.com',
    };
    return formats[String(s.format)] ?? 'string';
  }
  return null;
}

const sampleBlock = (value: unknown): string => `<pre class="sample"><code>${escapeHtml(JSON.stringify(value, null, 2))}</code></pre>`;

// ---------------------------------------------------------------- reference

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operationBlock(method: string, path: string, op: Json, doc: OpenApiDoc, md: ReturnType<typeof markdownRenderer>): string {
  const schemas = doc.components.schemas;
  const id = String(op.operationId);
  const summary = String(op.summary ?? id);
  const parts: string[] = [
    `<h3 id="op-${id}"><span class="method ${method}">${method.toUpperCase()}</span> ${escapeHtml(summary)}</h3>`,
    `<p class="path"><code>${method.toUpperCase()} ${escapeHtml(path)}</code></p>`,
  ];
  if (op.description) parts.push(md.block(String(op.description)));
  const params = (op.parameters ?? []) as Json[];
  if (params.length) {
    parts.push(
      `<h4>Parameters</h4><table class="props"><tr><th>name</th><th>in</th><th>type</th><th></th></tr>${params
        .map((p) => {
          const notes = [
            p.description ? md.inline(String(p.description)) : '',
            ...constraintsOf((p.schema ?? {}) as Json),
            p.example !== undefined ? `example <code>${escapeHtml(String(p.example))}</code>` : '',
          ].filter(Boolean);
          return `<tr><td><code>${escapeHtml(String(p.name))}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${p.in}</td><td>${typeOf(p.schema as Json)}</td><td>${notes.join('<br>')}</td></tr>`;
        })
        .join('')}</table>`,
    );
  }
  const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
  if (body) {
    parts.push('<h4>Request body</h4>');
    for (const [media, content] of Object.entries(body)) {
      const schema = content.schema as Json;
      parts.push(`<p><code>${media}</code>: ${typeOf(schema)}</p>`);
      for (const alt of ((schema.anyOf ?? []) as Json[]).filter((a) => a.description))
        parts.push(`<p class="alt">${typeOf(alt)}: ${md.inline(String(alt.description))}</p>`);
      const examples = Object.entries((content.examples ?? {}) as Record<string, { summary?: string; value: unknown }>);
      if (examples.length)
        examples.forEach(([name, ex], i) =>
          parts.push(
            `<details${i === 0 ? ' open' : ''}><summary>Example: ${escapeHtml(ex.summary ?? name)}</summary>${sampleBlock(ex.value)}</details>`,
          ),
        );
      else parts.push(`<details open><summary>Sample</summary>${sampleBlock(sampleOf(schema, schemas))}</details>`);
    }
  }
  parts.push('<h4>Answers</h4>');
  let firstSample = true;
  for (const [status, r] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
    const headers = Object.entries((r.headers ?? {}) as Record<string, Json>);
    const content = Object.entries((r.content ?? {}) as Record<string, Json>);
    const kind = status.startsWith('2') || status.startsWith('3') ? 'ok' : 'problem';
    parts.push(`<div class="answer ${kind}"><p><b>${status}</b> ${md.inline(String(r.description ?? ''))}</p>`);
    for (const [name, h] of headers)
      parts.push(`<p class="alt">header <code>${name}</code>: ${md.inline(String(h.description ?? ''))}</p>`);
    for (const [media, c] of content) {
      const schema = c.schema as Json | undefined;
      parts.push(`<p class="alt"><code>${media}</code>: ${typeOf(schema)}</p>`);
      // Problem answers share one shape (the Problem schema, linked); only their type and status differ.
      if (media.includes('json') && schema && kind === 'ok') {
        parts.push(`<details${firstSample ? ' open' : ''}><summary>Sample</summary>${sampleBlock(sampleOf(schema, schemas))}</details>`);
        firstSample = false;
      }
    }
    parts.push('</div>');
  }
  const search = [method, path, summary, id, (op.tags as string[] | undefined)?.join(' ')].join(' ');
  return `<section class="op" id="section-${id}" data-label="${escapeHtml(`${method.toUpperCase()} ${path} — ${summary}`)}" data-search="${escapeHtml(search)}">\n${parts.join('\n')}\n</section>`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
a{color:#0b5cad}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{background:#f3f4f6;padding:0 .25em;border-radius:3px}
pre{background:#1e2430;color:#e6e8eb;padding:.75em 1em;overflow:auto;border-radius:6px;max-height:32em}
pre code{background:none;padding:0;color:inherit}
nav{position:fixed;top:0;left:0;bottom:0;width:300px;overflow-y:auto;background:#f6f7f9;border-right:1px solid #dde1e6;padding:1em;font-size:14px}
nav ul{list-style:none;margin:0;padding:0 0 0 .75em}
nav>ul{padding:0}
nav li{margin:.15em 0}
nav h2{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:#57606a;margin:1.2em 0 .3em}
nav a{text-decoration:none;color:#1f2328}
nav a:hover{text-decoration:underline}
#search{width:100%;padding:.45em .6em;font:inherit;border:1px solid #c5ccd3;border-radius:5px}
#results:empty{display:none}
#results{border-bottom:1px solid #dde1e6;padding:.3em 0 .6em;overflow-wrap:anywhere}
main{margin-left:300px;padding:1em 2.5em 4em;max-width:1100px}
h1{margin:.4em 0 .2em}
h2{border-bottom:1px solid #dde1e6;padding-bottom:.2em;margin-top:2em}
section.op{border-top:1px solid #eef0f3;margin-top:1.5em}
.method{display:inline-block;min-width:4.2em;text-align:center;font-size:12px;font-weight:700;color:#fff;border-radius:4px;padding:.1em .4em;margin-right:.4em;vertical-align:middle}
.get{background:#1f7a3d}.post{background:#0b5cad}.put{background:#8a5a00}.delete{background:#b42318}.patch{background:#6b3fa0}
.path{margin:.2em 0}
table{border-collapse:collapse;margin:.5em 0;font-size:14px}
th,td{border:1px solid #dde1e6;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f6f7f9}
.req{color:#b42318;font-size:12px}
.fmt{color:#57606a}
.alt{margin:.2em 0 .2em 1em}
.answer{margin:.3em 0}.answer>p{margin:.2em 0}
.answer.problem b{color:#b42318}.answer.ok b{color:#1f7a3d}
details>summary{cursor:pointer;color:#57606a;font-size:14px}
.tag-doc{color:#3d444d}
@media (max-width:800px){nav{position:static;width:auto;border-right:0}main{margin-left:0;padding:1em}}
`;

/** Filters the page's entries (operations, guides, schemas) by every word typed. No network, no worker. */
const SEARCH = `
(() => {
  const box = document.getElementById('search');
  const out = document.getElementById('results');
  let items;
  box.addEventListener('input', () => {
    items ??= [...document.querySelectorAll('[data-label]')].map((e) => ({
      id: e.id, label: e.dataset.label, text: ((e.dataset.search || '') + ' ' + e.textContent).toLowerCase(),
    }));
    const words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    const found = words.length ? items.filter((i) => words.every((w) => i.text.includes(w))) : [];
    out.replaceChildren(...found.slice(0, 40).map((i) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = '#' + i.id;
      a.textContent = i.label;
      li.append(a);
      return li;
    }));
    if (words.length && !found.length) out.textContent = 'nothing found';
  });
})();
`;

/** Text that is safe inside a <script> element (no `</script`, no `<!--`). */
const scriptSafe = (js: string): string => js.replaceAll('</script', '<\\/script').replaceAll('<!--', '<\\!--');

/** The HTML page of an OpenAPI document and the guides. */
export function buildDocsPage(doc: OpenApiDoc, readDoc: (file: string) => string = (f) => readFileSync(join(root, f), 'utf8')): string {
  const md = markdownRenderer();
  const title = `${doc.info.title} API ${doc.info.version}`;

  const guides = GUIDES.map((g) => {
    const id = slug(g.heading);
    // The section's own heading reads as the guide's title; its anchor stays the docs' (their links use it).
    const html = md
      .block(markdownSection(readDoc(g.file), g.heading, g.file))
      .replace(
        /^<h(\d) id="([^"]*)">[\s\S]*?<\/h\1>/,
        (_all, _depth: string, anchor: string) => `<h2 id="${anchor}">${escapeHtml(g.title)}</h2>`,
      );
    return {
      ...g,
      id,
      html: `<section class="guide" id="guide-${id}" data-label="${escapeHtml(`Guide: ${g.title}`)}">\n${html}</section>`,
    };
  });

  const tags = doc.tags ?? [];
  const ops = new Map<string, { method: string; path: string; op: Json }[]>(tags.map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(doc.paths))
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = (op.tags as string[] | undefined)?.[0] ?? 'other';
      if (!ops.has(tag)) ops.set(tag, []);
      ops.get(tag)!.push({ method, path, op });
    }
  const tagDescription = (name: string) => tags.find((t) => t.name === name)?.description;

  const reference = [...ops]
    .map(([tag, list]) => {
      const d = tagDescription(tag);
      return `<h2 id="tag-${tag}">${escapeHtml(tag)}</h2>\n${d ? `<div class="tag-doc">${md.block(d)}</div>` : ''}\n${list
        .map((o) => operationBlock(o.method, o.path, o.op, doc, md))
        .join('\n')}`;
    })
    .join('\n');

  const schemas = Object.entries(doc.components.schemas)
    .map(
      ([name, s]) =>
        `<section class="schema" id="schema-${name}" data-label="${escapeHtml(`Schema: ${name}`)}">\n<h3>${name}</h3>\n${schemaBlock(s, md.inline)}\n</section>`,
    )
    .join('\n');

  const nav = `<nav>
<input id="search" type="search" placeholder="Search routes, guides, schemas" aria-label="Search" autocomplete="off">
<ul id="results" aria-live="polite"></ul>
<h2>Guides</h2>
<ul>${guides.map((g) => `<li><a href="#guide-${g.id}">${escapeHtml(g.title)}</a></li>`).join('')}</ul>
<h2>Reference</h2>
<ul>${[...ops]
    .map(
      ([tag, list]) =>
        `<li><a href="#tag-${tag}">${escapeHtml(tag)}</a><ul>${list
          .map(
            (o) =>
              `<li><a href="#section-${String(o.op.operationId)}"><span class="method ${o.method}">${o.method.toUpperCase()}</span>${escapeHtml(String(o.op.summary))}</a></li>`,
          )
          .join('')}</ul></li>`,
    )
    .join('')}</ul>
<h2><a href="#schemas">Schemas</a></h2>
</nav>`;

  const apiKey = doc.components.securitySchemes?.apiKey;
  const main = `<main>
<h1>${escapeHtml(title)}</h1>
${doc.info.summary ? `<p>${md.inline(doc.info.summary)}</p>` : ''}
${doc.info.description ? md.block(doc.info.description) : ''}
${apiKey ? `<p>Authentication: the <code>${escapeHtml(String(apiKey.name))}</code> header. ${md.inline(String(apiKey.description ?? ''))} The machine-readable document: <a href="openapi.json">openapi.json</a>.</p>` : ''}
<h2 id="guides">Guides</h2>
${guides.map((g) => g.html).join('\n')}
<h2 id="reference">Reference</h2>
${reference}
<h2 id="schemas">Schemas</h2>
${schemas}
</main>`;

  let body = `${nav}\n${main}`;
  // A link to a section that is not on the page (another file of the docs) is shown as text.
  const ids = new Set([...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  body = body.replaceAll(/<a href="#([^"]*)">([\s\S]*?)<\/a>/g, (all, id: string, inner: string) => (ids.has(id) ? all : inner));

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${scriptSafe(SEARCH)}</script>
</body>
</html>
`;
}

/**
 * The CSP sources of the page's inline script and style elements (`'sha256-...'`): the handler
 * allows exactly these and nothing else, not even another inline script.
 */
export function inlineHashes(html: string): { script: string[]; style: string[] } {
  const hashes = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map(
      (m) => `'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`,
    );
  return { script: hashes('script'), style: hashes('style') };
}
