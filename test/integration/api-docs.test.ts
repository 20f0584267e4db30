/**
 * The API description as served: GET /openapi.json is the built document and valid OpenAPI 3.1
 * by an independent validator; GET /docs renders every route in headless Chromium without a
 * single request leaving 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import { beforeAll, test } from 'vitest';
import { summaryOf } from '../../functions/route-docs.ts';
import { ROUTES } from '../../functions/routes.ts';
import { launchChromium } from '../support/chromium.ts';
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

test('GET /docs renders every route in headless Chromium, loading nothing from another host', async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const res = await page.goto(`${stack.baseUrl}/docs`, { waitUntil: 'load' });
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    for (const route of ROUTES) {
      await page.getByText(summaryOf(route.id), { exact: false }).first().waitFor({ state: 'attached', timeout: 30_000 });
    }
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a reader sees, and what is asserted
    const text = await page.locator('body').innerText();
    for (const route of ROUTES) assert.ok(text.includes(summaryOf(route.id)), `the page shows "${summaryOf(route.id)}"`);
    await page.waitForLoadState('networkidle');
    const outside = requests.filter((u) => !/^(blob:|data:)/.test(u) && new URL(u).hostname !== '127.0.0.1');
    assert.deepEqual(outside, [], 'no request leaves 127.0.0.1');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
