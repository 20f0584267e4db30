/**
 * Work orders end to end over real HTTP: the local gateway, the authorizer and the
 * handlers against DynamoDB Local. Each test uses its own facility, so tests share one stack.
 */

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { beforeAll, describe, test } from 'vitest';
import { validateWorkOrder } from '../../functions/generated/validators.cjs';
import { orders, workOrder } from '../support/documents.ts';
import { client } from '../support/local-stack.ts';
import { assertProblem } from '../support/problems.ts';
import { facilityNames, type KeyedClient, keyed, type SharedStack, settled, sharedStack } from '../support/shared-stack.ts';

let stack: SharedStack;
let erp: KeyedClient;
let pcs: KeyedClient;
const names = facilityNames('F');
/** A facility of its own for each test (the PCS key covers the first 40). */
const facility = names.next;

beforeAll(async () => {
  stack = sharedStack();
  // Wildcard ERP key and a PCS key per facility are made on demand; one of each here.
  erp = await keyed(stack, 'erp', ['*'], ['--name', 'test ERP']);
  pcs = await keyed(stack, 'pcs', names.first(40));
});

const ordersPath = (f: string) => `/facility/${f}/dispensingWorkorders`;

function rawGet(path: string, key: string): Promise<{ status: number; type: string | undefined }> {
  const { hostname, port } = new URL(stack.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers: { 'x-api-key': key } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('health and keys', () => {
  test('health needs no key', async () => {
    const r = await client(stack.baseUrl).get('/health');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok' });
  });

  test('a missing, unknown or malformed key is 401 problem+json', async () => {
    const f = facility();
    assertProblem(await client(stack.baseUrl).get(ordersPath(f)), 401);
    assertProblem(await client(stack.baseUrl, `mtk_000000000000_${'A'.repeat(43)}`).get(ordersPath(f)), 401);
    assertProblem(await client(stack.baseUrl, 'not-a-key').get(ordersPath(f)), 401);
    const wrongSecret = pcs.key.slice(0, -3) + (pcs.key.endsWith('AAA') ? 'BBB' : 'AAA');
    assertProblem(await client(stack.baseUrl, wrongSecret).get(ordersPath(f)), 401);
  });

  test('a revoked key stops working at once', async () => {
    const f = facility();
    const revoked = await keyed(stack, 'pcs', [f]);
    const { key } = revoked;
    assert.equal((await revoked.get(ordersPath(f))).status, 200);
    const keyId = key.slice('mtk_'.length, 'mtk_'.length + 12);
    const out = await stack.keys(['revoke', keyId]);
    assert.equal(out.code, 0, out.stderr);
    assertProblem(await revoked.get(ordersPath(f)), 401);
    const list = JSON.parse((await stack.keys(['list', '--json'])).stdout) as { keyId: string; revokedAt: string | null }[];
    assert.ok(list.find((k) => k.keyId === keyId)?.revokedAt);
    assert.ok(!(await stack.keys(['list', '--json'])).stdout.includes(key.slice(17)), 'secrets are never listed');
  });

  test('role and facility scope are enforced with 403', async () => {
    const f = facility();
    const other = facility();
    const scoped = await keyed(stack, 'pcs', [f]);
    assertProblem(await scoped.get(ordersPath(other)), 403);
    assertProblem(await scoped.post(ordersPath(f), orders(workOrder('X-1'))), 403);
    const erpScoped = await keyed(stack, 'erp', [f]);
    assertProblem(await erpScoped.post(ordersPath(other), orders(workOrder('X-1'))), 403);
    assert.equal((await erpScoped.post(ordersPath(f), orders(workOrder('X-1')))).status, 200);
  });

  test('a malformed facility id is 400, unknown routes 404, wrong methods 405', async () => {
    assertProblem(await erp.get(ordersPath('bad$id')), 400);
    assertProblem(await erp.get(ordersPath('x'.repeat(65))), 400);
    // fetch would normalise the dot segment away: send the path as it is.
    const dots = await rawGet(ordersPath('%2E%2E'), erp.key);
    assert.equal(dots.status, 400);
    assert.equal(dots.type, 'application/problem+json');
    assertProblem(await erp.get('/nowhere'), 404);
    const r = await erp.call('DELETE', ordersPath('F1'));
    assertProblem(r, 405);
  });

  test('the keys CLI rejects a wildcard PCS key and bad facility ids', async () => {
    assert.notEqual((await stack.keys(['create', '--role', 'pcs', '--facility', '*'])).code, 0);
    assert.notEqual((await stack.keys(['create', '--role', 'erp', '--facility', 'a/b'])).code, 0);
    assert.notEqual((await stack.keys(['create', '--role', 'admin', '--facility', 'F1'])).code, 0);
  });
});

describe('pushing work orders', () => {
  test('create, safe retry, conflicting create', async () => {
    const f = facility();
    const created = await erp.post(ordersPath(f), orders(workOrder('WO-1')));
    assert.equal(created.status, 200);
    assert.deepEqual(created.body, {
      results: [{ index: 0, workOrderNumber: 'WO-1', agency: 'AssignedBySender', outcome: 'created', revision: 1 }],
    });
    const retry = await erp.post(ordersPath(f), orders(workOrder('WO-1')));
    assert.equal(retry.body.results[0].outcome, 'unchanged');
    assert.equal(retry.body.results[0].revision, 1);

    const clash = await erp.post(ordersPath(f), orders(workOrder('WO-1', { quantity: 1 })));
    assertProblem(clash, 409);
    assert.equal(clash.body.errors[0].path, '/dispensingWorkOrder/0');
    const one = await erp.get(`${ordersPath(f)}/WO-1`);
    assert.equal(one.body.workOrder.productGroup[0].product[0].requestedQuantity.value, 16000, 'nothing written by the 409');
  });

  test('a batch of creates naming known orders: those unchanged, a changed one 409 with nothing written, then the rest created', async () => {
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('K-1'), workOrder('K-2')));

    const clash = await erp.post(ordersPath(f), orders(workOrder('N-1'), workOrder('K-2', { quantity: 5 })));
    assertProblem(clash, 409);
    assert.equal(clash.body.errors[0].path, '/dispensingWorkOrder/1');
    assertProblem(await erp.get(`${ordersPath(f)}/N-1`), 404);

    const mixed = await erp.post(ordersPath(f), orders(workOrder('K-1'), workOrder('N-1'), workOrder('K-2'), workOrder('N-2')));
    assert.equal(mixed.status, 200);
    assert.deepEqual(
      mixed.body.results.map((r: { workOrderNumber: string; outcome: string }) => [r.workOrderNumber, r.outcome]),
      [
        ['K-1', 'unchanged'],
        ['N-1', 'created'],
        ['K-2', 'unchanged'],
        ['N-2', 'created'],
      ],
    );
    for (const n of ['K-1', 'K-2', 'N-1', 'N-2']) assert.equal((await erp.get(`${ordersPath(f)}/${n}`)).body.revision, 1);
  });

  test('update, hold and cancel count revisions and set the status', async () => {
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('WO-2')));
    const steps: [Parameters<typeof workOrder>[1], string, number, string][] = [
      [{ type: 'update', quantity: 12000 }, 'updated', 2, 'open'],
      [{ type: 'update', quantity: 12000 }, 'unchanged', 2, 'open'],
      [{ type: 'hold', quantity: 12000 }, 'held', 3, 'onHold'],
      [{ type: 'update', quantity: 11000 }, 'updated', 4, 'open'],
      [{ type: 'cancel', quantity: 11000 }, 'cancelled', 5, 'cancelled'],
      [{ type: 'cancel', quantity: 11000 }, 'unchanged', 5, 'cancelled'],
    ];
    for (const [opts, outcome, revision, status] of steps) {
      const r = await erp.post(ordersPath(f), orders(workOrder('WO-2', opts)));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.results[0].outcome, outcome);
      assert.equal(r.body.results[0].revision, revision);
      const one = await pcs.get(`${ordersPath(f)}/WO-2`);
      assert.equal(one.body.status, status);
      assert.equal(one.body.revision, revision);
    }
    assertProblem(await erp.post(ordersPath(f), orders(workOrder('WO-2', { type: 'update' }))), 409);
  });

  test('update, hold or cancel of an unknown order is 404', async () => {
    const f = facility();
    for (const type of ['update', 'hold', 'cancel'] as const) {
      const r = await erp.post(ordersPath(f), orders(workOrder('NOPE', { type })));
      assertProblem(r, 404);
      assert.equal(r.body.errors[0].path, '/dispensingWorkOrder/0');
    }
  });

  test('a batch is all or nothing and names every failing document', async () => {
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('B-EXISTS')));
    const r = await erp.post(
      ordersPath(f),
      orders(workOrder('B-NEW'), workOrder('B-MISSING', { type: 'update' }), workOrder('B-EXISTS', { quantity: 3 })),
    );
    assertProblem(r, 409);
    assert.deepEqual(
      r.body.errors.map((e: { path: string }) => e.path),
      ['/dispensingWorkOrder/1', '/dispensingWorkOrder/2'],
    );
    assertProblem(await erp.get(`${ordersPath(f)}/B-NEW`), 404);
  });

  test('one batch may create and then update the same order', async () => {
    const f = facility();
    const r = await erp.post(ordersPath(f), orders(workOrder('S-1'), workOrder('S-1', { type: 'update', quantity: 5 })));
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.results.map((x: { outcome: string; revision: number }) => [x.outcome, x.revision]),
      [
        ['created', 1],
        ['updated', 2],
      ],
    );
  });

  test('the bare array form of the standard sample files is accepted', async () => {
    const f = facility();
    const r = await erp.post(ordersPath(f), [workOrder('ARR-1'), workOrder('ARR-2')]);
    assert.equal(r.status, 200);
    assert.equal(r.body.results.length, 2);
  });

  test('schema violations are 400 with JSON pointers and change nothing', async () => {
    const f = facility();
    const bad = workOrder('V-1') as any;
    bad.workOrderIdentifier.agency = 'Nobody';
    delete bad.productGroup[0].product[1].requestedQuantity;
    bad.surprise = true;
    const r = await erp.post(ordersPath(f), orders(workOrder('V-0'), bad));
    assertProblem(r, 400);
    const paths = r.body.errors.map((e: { path: string }) => e.path);
    assert.ok(paths.includes('/dispensingWorkOrder/1/workOrderIdentifier/agency'), paths.join());
    assert.ok(paths.includes('/dispensingWorkOrder/1/productGroup/0/product/1/requestedQuantity'), paths.join());
    assert.ok(paths.includes('/dispensingWorkOrder/1/surprise'), paths.join());
    assertProblem(await erp.get(`${ordersPath(f)}/V-0`), 404);
  });

  test('malformed JSON, wrong content type, an object that is no envelope, deep nesting', async () => {
    const f = facility();
    assertProblem(await erp.post(ordersPath(f), '{"dispensingWorkOrder": [', { 'content-type': 'application/json' }), 400);
    assertProblem(await erp.post(ordersPath(f), JSON.stringify(orders(workOrder('C-1'))), { 'content-type': 'text/plain' }), 415);
    assertProblem(await erp.post(ordersPath(f), workOrder('C-1')), 400);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    const r = await erp.post(ordersPath(f), { dispensingWorkOrder: deep });
    assertProblem(r, 400);
    assert.match(r.body.detail, /32 levels/);
    assertProblem(await erp.post(ordersPath(f), ''), 400);
  });

  test('limits: more than 50 documents, an oversized document, a body over 6 MB', async () => {
    const f = facility();
    const many = Array.from({ length: 51 }, (_, i) => workOrder(`L-${i}`));
    assertProblem(await erp.post(ordersPath(f), orders(...many)), 413);
    const fifty = await erp.post(ordersPath(f), orders(...many.slice(0, 50)));
    assert.equal(fifty.status, 200, 'fifty documents are accepted');

    const big = workOrder('L-BIG');
    big.groupDescription = 'x'.repeat(4000);
    big.productGroup[0]!.product = Array.from({ length: 2500 }, () => structuredClone(big.productGroup[0]!.product[0]!));
    const r = await erp.post(ordersPath(f), orders(big));
    assertProblem(r, 413);
    assert.equal(r.body.errors[0].path, '/dispensingWorkOrder/0');

    const huge = JSON.stringify(orders(workOrder('L-HUGE'))).replace('"x"', '"x"') + ' '.repeat(6_100_000);
    assertProblem(await erp.post(ordersPath(f), huge), 413);
  });
});

describe('polling work orders', () => {
  test('initial load serves every open order once, not cancelled ones, as pure valid documents', async () => {
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('P-1'), workOrder('P-2'), workOrder('P-3')));
    await erp.post(ordersPath(f), orders(workOrder('P-3', { type: 'cancel' }), workOrder('P-2', { type: 'hold' })));
    await settled(stack);
    const r = await pcs.get(ordersPath(f));
    assert.equal(r.status, 200);
    const docs = r.body.dispensingWorkOrder as any[];
    assert.deepEqual(docs.map((d) => d.workOrderIdentifier.number).sort(), ['P-1', 'P-2']);
    for (const d of docs) {
      assert.equal(d.workOrderType, 'create');
      assert.ok(validateWorkOrder(d), JSON.stringify(validateWorkOrder.errors));
    }
  });

  test('a poll with lastExecutionDateTime serves changes since then with the right workOrderType', async () => {
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('Q-1'), workOrder('Q-2'), workOrder('Q-3')));
    await settled(stack);
    const first = await pcs.get(ordersPath(f));
    assert.equal(first.body.dispensingWorkOrder.length, 3);
    const since = new Date().toISOString();
    await erp.post(ordersPath(f), orders(workOrder('Q-1', { type: 'update', quantity: 9 }), workOrder('Q-2', { type: 'hold' })));
    await erp.post(ordersPath(f), orders(workOrder('Q-3', { type: 'cancel' }), workOrder('Q-4')));
    await settled(stack);
    const r = await pcs.get(`${ordersPath(f)}?lastExecutionDateTime=${encodeURIComponent(since)}`);
    const byNumber = Object.fromEntries((r.body.dispensingWorkOrder as any[]).map((d) => [d.workOrderIdentifier.number, d]));
    assert.deepEqual(Object.keys(byNumber).sort(), ['Q-1', 'Q-2', 'Q-3', 'Q-4']);
    assert.equal(byNumber['Q-1'].workOrderType, 'update');
    assert.equal(byNumber['Q-1'].productGroup[0].product[0].requestedQuantity.value, 9, 'latest form');
    assert.equal(byNumber['Q-2'].workOrderType, 'hold');
    assert.equal(byNumber['Q-3'].workOrderType, 'cancel');
    assert.equal(byNumber['Q-4'].workOrderType, 'create');
    const numbers = (r.body.dispensingWorkOrder as any[]).map((d) => d.workOrderIdentifier.number);
    assert.deepEqual(numbers, ['Q-1', 'Q-2', 'Q-3', 'Q-4'], 'oldest change first');

    const again = await pcs.get(`${ordersPath(f)}?lastExecutionDateTime=${encodeURIComponent(new Date().toISOString())}`);
    assert.deepEqual(again.body.dispensingWorkOrder, [], 'each change once');
  });

  test('a + that arrived as a space is read as +, other formats are 400 naming the expected one', async () => {
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('T-1')));
    await settled(stack);
    const r = await pcs.get(`${ordersPath(f)}?lastExecutionDateTime=2020-01-01T02:00:00+02:00`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.dispensingWorkOrder.length, 1);
    for (const bad of ['yesterday', '2026-11-21T10:00:00', '2026-02-30T00:00:00Z']) {
      const e = await pcs.get(`${ordersPath(f)}?lastExecutionDateTime=${encodeURIComponent(bad)}`);
      assertProblem(e, 400);
      assert.match(e.body.detail, /ISO 8601/);
    }
  });

  test('a time ahead of the hub clock is not an error', async () => {
    const f = facility();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const r = await pcs.get(`${ordersPath(f)}?lastExecutionDateTime=${encodeURIComponent(future)}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.dispensingWorkOrder, []);
  });

  test('a backlog larger than a page is linked with rel="next" and drained by following or ignoring the link', async () => {
    const f = facility();
    const follower = await keyed(stack, 'pcs', [f]);
    const start = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 3; i++) {
      await erp.post(ordersPath(f), orders(...Array.from({ length: 15 }, (_, j) => workOrder(`G-${i * 15 + j}`))));
    }
    await settled(stack);
    // Following the links.
    let r = await follower.get(`${ordersPath(f)}?lastExecutionDateTime=${encodeURIComponent(start)}`);
    const seen: string[] = [];
    let pages = 0;
    for (;;) {
      pages++;
      seen.push(...r.body.dispensingWorkOrder.map((d: any) => d.workOrderIdentifier.number));
      const link = r.headers.get('link');
      if (!link) break;
      const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
      r = await follower.get(next.slice(stack.baseUrl.length));
    }
    assert.equal(pages, 3);
    assert.equal(new Set(seen).size, 45);
    assert.equal(seen.length, 45);

    // Ignoring them: a second PCS key polls with its previous call's time.
    const ignorer = await keyed(stack, 'pcs', [f]);
    const got = new Set<string>();
    let last = start;
    for (let i = 0; i < 5 && got.size < 45; i++) {
      const now = new Date().toISOString();
      const page = await ignorer.get(`${ordersPath(f)}?lastExecutionDateTime=${encodeURIComponent(last)}`);
      page.body.dispensingWorkOrder.forEach((d: any) => got.add(d.workOrderIdentifier.number));
      last = now;
    }
    assert.equal(got.size, 45);
  });

  test('a cursor that the hub did not issue is 400', async () => {
    const f = facility();
    assertProblem(await pcs.get(`${ordersPath(f)}?cursor=bm9wZQ`), 400);
  });

  test('a cursor is bound to the key, facility and stream it was issued for; forged or altered ones are 400', async () => {
    const f = facility();
    const g = facility();
    const issued = await keyed(stack, 'pcs', [f, g]);
    const other = await keyed(stack, 'pcs', [f]);
    await erp.post(ordersPath(f), orders(...Array.from({ length: 25 }, (_, j) => workOrder(`C-${j}`))));
    await settled(stack);
    const first = await issued.get(ordersPath(f));
    const link = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    assert.ok(link, 'a truncated page links the next');
    const cursor = new URL(link).searchParams.get('cursor')!;
    const withCursor = (path: string, c = cursor) => `${path}?cursor=${encodeURIComponent(c)}`;

    // Control: the key it was issued to continues.
    const control = await issued.get(withCursor(ordersPath(f)));
    assert.equal(control.status, 200);
    assert.equal(control.body.dispensingWorkOrder.length, 5);
    // Another key of the same facility, the same key at another facility, another stream.
    assertProblem(await other.get(withCursor(ordersPath(f))), 400);
    assertProblem(await issued.get(withCursor(ordersPath(g))), 400);
    const erpOfF = await keyed(stack, 'erp', [f]);
    const erpPage = await erpOfF.get(ordersPath(f));
    const erpCursor = new URL(/<([^>]+)>/.exec(erpPage.headers.get('link') ?? '')![1]!).searchParams.get('cursor')!;
    assert.equal((await erpOfF.get(withCursor(ordersPath(f), erpCursor))).status, 200, 'control: its own stream');
    assertProblem(await erpOfF.get(withCursor(`/facility/${f}/dispensingWorkRecords`, erpCursor)), 400);
    // Altered payloads, and the forged cursor the hostile test sent (a position past the key size limit).
    const [payload, mac] = cursor.split('.');
    const altered = Buffer.from(JSON.stringify({ a: '2026-01-01T00:00:00.000Z#A#1', s: 0 })).toString('base64url');
    const forged = Buffer.from(JSON.stringify({ a: `2026-01-01T00:00:00.000Z#${'€'.repeat(400)}`, s: 0 })).toString('base64url');
    for (const bad of [`${altered}.${mac}`, forged, `${forged}.${mac}`, payload!, `${payload}.`]) {
      assertProblem(await issued.get(withCursor(ordersPath(f), bad)), 400);
    }
  });

  test('one order with its hub state; ambiguous numbers need ?agency=', async () => {
    const f = facility();
    await erp.post(ordersPath(f), orders(workOrder('N-1'), workOrder('N-1', { agency: 'AssignedByBuyer' })));
    const ambiguous = await erp.get(`${ordersPath(f)}/N-1`);
    assertProblem(ambiguous, 409);
    const one = await erp.get(`${ordersPath(f)}/N-1?agency=AssignedByBuyer`);
    assert.equal(one.status, 200);
    assert.equal(one.body.workOrder.workOrderIdentifier.agency, 'AssignedByBuyer');
    assert.equal(one.body.status, 'open');
    assert.equal(one.body.revision, 1);
    assert.ok(!Number.isNaN(Date.parse(one.body.modifiedAt)));
    assert.equal(one.body.acknowledgement, null);
    assert.deepEqual(one.body.records, []);
    assert.deepEqual(one.body.documents, []);
    assertProblem(await erp.get(`${ordersPath(f)}/N-2`), 404);
  });

  test('order numbers with URL-special characters round-trip', async () => {
    const f = facility();
    const number = 'A/B #7 %x';
    await erp.post(ordersPath(f), orders(workOrder(number)));
    const one = await erp.get(`${ordersPath(f)}/${encodeURIComponent(number)}`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.workOrder.workOrderIdentifier.number, number);
  });
});
