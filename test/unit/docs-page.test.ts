/**
 * The /docs page as built (scripts/build-docs-page.ts → functions/generated/docs-page.json): the
 * guides are sections of the docs, every route and tag is on it with its description, every
 * in-page link lands, nothing is loaded from anywhere, and the handler's policy hashes are those
 * of its inline script and style. The browser side (search, samples shown) is
 * test/integration/api-docs.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { TAG_DOCS } from '../../functions/route-docs.ts';
import { ROUTES } from '../../functions/routes.ts';
import { buildDocsPage, GUIDES, inlineHashes, markdownSection, type OpenApiDoc, sampleOf, slug } from '../../scripts/build-docs-page.ts';
import { ROOT } from '../support/local-stack.ts';

const generated = (file: string) => readFileSync(join(ROOT, 'functions', 'generated', file), 'utf8');
const page = JSON.parse(generated('docs-page.json')) as { html: string; hashes: { script: string[]; style: string[] } };
const openapi = JSON.parse(generated('openapi.json')) as OpenApiDoc;

test('every tag of the route table is described, in the document and on the page', () => {
  const tags = openapi.tags ?? [];
  assert.deepEqual(new Set(tags.map((t) => t.name)), new Set(Object.keys(TAG_DOCS)), 'TAG_DOCS names exactly the tags in use');
  for (const tag of tags) {
    assert.ok(tag.description, `tag ${tag.name} has a description`);
    assert.match(page.html, new RegExp(`<h2 id="tag-${tag.name}">[^<]*</h2>\\n<div class="tag-doc">`));
  }
});

test('every route has its entry: method, path, summary, and a sample of its first answer with a body', () => {
  for (const route of ROUTES) {
    const start = page.html.indexOf(`<section class="op" id="section-${route.id}"`);
    assert.ok(start >= 0, `${route.id} is on the page`);
    const entry = page.html.slice(start, page.html.indexOf('</section>', start));
    assert.ok(entry.includes(`${route.method} ${route.path.replaceAll('&', '&amp;')}`), `${route.id} shows its method and path`);
    const op = openapi.paths[route.path]![route.method.toLowerCase()]!;
    assert.ok(entry.includes(String(op.summary)), `${route.id} shows its summary`);
    const jsonAnswer = Object.entries(op.responses as Record<string, { content?: Record<string, unknown> }>).find(
      ([status, r]) => /^[23]/.test(status) && r.content?.['application/json'],
    );
    if (jsonAnswer) assert.match(entry, /<details open><summary>Sample<\/summary><pre class="sample">/, `${route.id} shows a sample`);
  }
});

test('the guides are the sections of the docs they name, in order, every in-page link lands', () => {
  let at = 0;
  for (const g of GUIDES) {
    const i = page.html.indexOf(`<h2 id="${slug(g.heading)}">${g.title}</h2>`, at);
    assert.ok(i > at, `guide "${g.title}" (${g.file} "${g.heading}") is on the page, after the previous one`);
    at = i;
  }
  assert.ok(page.html.includes('No change is lost'), 'the polling guide carries the guarantee');
  const ids = new Set([...page.html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  for (const [, target] of page.html.matchAll(/href="#([^"]*)"/g)) assert.ok(ids.has(target), `#${target} is on the page`);
});

test('the page loads nothing: no src, no stylesheet link, no url(), no @import; the policy hashes are its own', () => {
  assert.doesNotMatch(page.html, /\ssrc=|<link\b|url\(|@import/);
  assert.deepEqual(page.hashes, inlineHashes(page.html));
  assert.equal(page.hashes.script.length, 1);
  assert.equal(page.hashes.style.length, 1);
});

test('a section runs to the next heading of its level; a heading in a code block is not one; a missing one fails the build', () => {
  const md = ['# Top', 'intro', '## A', 'a text', '```sh', '# a comment, not a heading', '```', '### A.1', 'deeper', '## B', 'b'].join(
    '\n',
  );
  assert.equal(markdownSection(md, 'A'), ['## A', 'a text', '```sh', '# a comment, not a heading', '```', '### A.1', 'deeper'].join('\n'));
  assert.equal(markdownSection(md, 'B'), '## B\nb');
  assert.throws(() => markdownSection(md, 'C', 'x.md'), /x\.md has no heading "C"/);
  assert.throws(() => buildDocsPage(openapi, () => '# nothing here'), /has no heading/);
  assert.equal(slug("The standard's forms"), 'the-standards-forms');
  assert.equal(slug('Push delivery (webhooks)'), 'push-delivery-webhooks');
});

test('samples: example, const and enum first; a schema that refers to itself ends', () => {
  const schemas = {
    Node: { type: 'object', properties: { name: { type: 'string', enum: ['a', 'b'] }, child: { $ref: '#/components/schemas/Node' } } },
  };
  assert.deepEqual(sampleOf({ $ref: '#/components/schemas/Node' }, schemas), { name: 'a', child: {} });
  assert.equal(sampleOf({ type: 'string', example: 'x' }, schemas), 'x');
  assert.equal(sampleOf({ const: 3 }, schemas), 3);
  assert.deepEqual(sampleOf({ type: 'array', items: { type: 'integer', minimum: 1 } }, schemas), [1]);
});
