/**
 * The API description as served: GET /openapi.json is the built document and valid OpenAPI 3.1
 * by an independent validator, every tag described; GET /docs shows the guides and every route
 * in headless Chromium, its search and samples work, and not a single request leaves 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import { beforeAll, test } from 'vitest';
import { summaryOf } from '../../functions/route-docs.ts';
import { ROUTES } from '../../functions/routes.ts';
import { launchChromium, openHubPage } from '../support/chromium.ts';
import { client, ROOT } from '../support/local-stack.ts';
import { type SharedStack, sharedStack } from '../support/shared-stack.ts';

let stack: SharedStack;
beforeAll(() => {
  stack = sharedStack();
});

test('GET /openapi.json: the built document, public, valid OpenAPI 3.1 (0 errors, 0 warnings)', async () => {
  const r = await client(stack.baseUrl).get('/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  const built = JSON.parse(readFileSync(join(ROOT, 'functions', 'generated', 'openapi.json'), 'utf8'));
  assert.deepEqual(r.body, built);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  assert.equal(r.body.info.version, version);
  assert.equal(r.body.openapi, '3.1.0');
  const result = await validate(structuredClone(r.body));
  assert.deepEqual(result, { valid: true, warnings: [], specification: 'OpenAPI' });
  for (const route of ROUTES) {
    const op = r.body.paths[route.path]?.[route.method.toLowerCase()];
    assert.ok(op, `${route.method} ${route.path} is in the document`);
    assert.equal(op.summary, summaryOf(route.id));
    assert.deepEqual(op.security, route.roles.length ? [{ apiKey: [] }] : []);
  }
});

test('GET /docs: guides and reference in headless Chromium, search and samples working, nothing loaded from another host', async () => {
  const browser = await launchChromium();
  try {
    const { page, requests, errors, policy } = await openHubPage(browser, `${stack.baseUrl}/docs`);
    assert.match(policy, /script-src 'sha256-[^']+'(;|$)/, "only the page's own script runs");
    for (const route of ROUTES) {
      await page.getByText(summaryOf(route.id), { exact: false }).first().waitFor({ state: 'attached', timeout: 30_000 });
    }
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a reader sees, and what is asserted
    const text = await page.locator('body').innerText();
    for (const route of ROUTES) {
      assert.ok(text.includes(summaryOf(route.id)), `the page shows "${summaryOf(route.id)}"`);
      assert.ok(text.includes(route.path), `the page shows ${route.path}`);
    }
    // The guides, from docs/, each with its heading on the page.
    for (const guide of ['Getting started', 'Keys and roles', 'Polling without loss', 'Webhooks', 'Errors and limits', 'Older forms']) {
      await page.getByRole('heading', { name: guide, exact: true }).waitFor({ state: 'visible' });
    }
    assert.ok(text.includes('No change is lost'), 'the polling guide is the one of docs/api.md');
    // Every tag is described.
    const built = JSON.parse(readFileSync(join(ROOT, 'functions', 'generated', 'openapi.json'), 'utf8'));
    for (const tag of built.tags as { name: string; description?: string }[]) {
      assert.ok(tag.description, `tag ${tag.name} has a description`);
      await page.locator(`#tag-${tag.name} + .tag-doc`).waitFor({ state: 'visible' });
    }
    // Search finds a route, and its result leads to it.
    const rotate = ROUTES.find((r) => r.id === 'rotateSubscriptionSecret')!;
    await page.getByRole('searchbox', { name: 'Search' }).fill('rotate secret');
    const hit = page.locator('#results a', { hasText: summaryOf(rotate.id) });
    await hit.waitFor({ state: 'visible' });
    await hit.click();
    await page.locator(`[id="section-${rotate.id}"] h3`).waitFor({ state: 'visible' });
    assert.equal(new URL(page.url()).hash, `#section-${rotate.id}`);
    // Samples: the request example of the push, an answer's sample of the poll, shown open.
    const push = ROUTES.find((r) => r.method === 'POST' && r.path.endsWith('/dispensingWorkorders'))!;
    const poll = ROUTES.find((r) => r.method === 'GET' && r.path.endsWith('/dispensingWorkorders'))!;
    const pushSample = page.locator(`[id="section-${push.id}"] pre.sample`).first();
    await pushSample.waitFor({ state: 'visible' });
    // biome-ignore lint/performance/useDomNodeTextContent: what a reader sees
    assert.match(await pushSample.innerText(), /"dispensingWorkOrder": \[/);
    const pollSample = page.locator(`[id="section-${poll.id}"] .answer.ok pre.sample`).first();
    await pollSample.waitFor({ state: 'visible' });
    // biome-ignore lint/performance/useDomNodeTextContent: what a reader sees
    assert.match(await pollSample.innerText(), /"dispensingWorkOrder"/);
    await page.waitForLoadState('networkidle');
    const outside = requests.filter((u) => !/^(blob:|data:)/.test(u) && new URL(u).hostname !== '127.0.0.1');
    assert.deepEqual(outside, [], 'no request leaves 127.0.0.1');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
