/**
 * Push delivery (webhooks) end to end: the subscription routes over real HTTP, the dispatcher
 * on DynamoDB Local's stream and the sender on its timer inside the local stack, and a real
 * receiver on 127.0.0.1 that verifies every signature with the `standardwebhooks` package.
 * The shared stack runs the retry schedule 1s,1s,2s (test/support/global-stack.ts).
 */
import assert from 'node:assert/strict';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { isoMs } from '../../functions/domain/time.ts';
import { dueMarkerSk, facilityPk, LEGACY_OUTBOX_PK, outboxPk, outboxShard, subscriptionSk } from '../../functions/store/keys.ts';
import { orders, workOrder } from '../support/documents.ts';
import { type client, sleep } from '../support/local-stack.ts';
import { assertProblem } from '../support/problems.ts';
import { records, workRecord } from '../support/records.ts';
import {
  facilityNames,
  type KeyedClient,
  keyed,
  localTable,
  type SharedStack,
  settled,
  sharedStack,
  waitUntil,
} from '../support/shared-stack.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

let stack: SharedStack;
let erp: KeyedClient;
/** A facility of its own for each test. */
const facility = facilityNames('WH').next;
const receivers: Receiver[] = [];

beforeAll(async () => {
  stack = sharedStack();
  erp = await keyed(stack, 'erp', ['*']);
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.stop()));
});

const subs = (f: string) => `/facility/${f}/subscriptions`;

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function subscribe(c: ReturnType<typeof client>, f: string, r: Receiver, extra: Record<string, unknown> = {}) {
  const reply = await c.post(subs(f), { url: r.url, events: 'dispensingWorkOrder', ...extra });
  assert.equal(reply.status, 201, reply.text);
  r.secrets.push(reply.body.secret);
  return reply.body as { subscriptionId: string; secret: string };
}

/** Per order number, the quantities received in order (each quantity is the version the test wrote). */
function versionsByOrder(r: Receiver): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const d of r.accepted()) {
    for (const doc of d.json.dispensingWorkOrder) {
      const list = out.get(doc.workOrderIdentifier.number) ?? [];
      list.push(doc.productGroup[0].product[0].requestedQuantity.value);
      out.set(doc.workOrderIdentifier.number, list);
    }
  }
  return out;
}

/** True once every order has arrived at its final version, at least once. */
const allAt = (r: Receiver, final: Record<string, number>) => {
  const got = versionsByOrder(r);
  return Object.entries(final).every(([n, v]) => got.get(n)?.includes(v));
};

function assertOrdered(r: Receiver): void {
  for (const [n, versions] of versionsByOrder(r)) {
    for (let i = 1; i < versions.length; i++) assert.ok(versions[i]! >= versions[i - 1]!, `order ${n} went back: ${versions.join(', ')}`);
  }
}

describe('push delivery', () => {
  test('every change arrives signed, as the poll serves it, never older after newer', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    // Every third request fails with a 500: retried, and still everything arrives in order.
    r.answer = (_req, n) => (n % 3 === 1 ? { status: 500 } : { status: 200 });
    const created = await subscribe(pcs, f, r, { description: 'blender 1' });
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);

    for (let i = 1; i <= 5; i++)
      assert.equal((await erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder(`W${i}`, { quantity: 1 })))).status, 200);
    // Each order's version goes 1 → 2 → 3, in separate deliveries: the next version is pushed
    // once the previous one has arrived, however long the sender takes on a loaded machine.
    for (const v of [2, 3]) {
      const previous = Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`W${i}`, v - 1]));
      await waitUntil(`all orders at version ${v - 1}`, () => allAt(r, previous));
      const docs = [1, 2, 3, 4, 5].map((i) => workOrder(`W${i}`, { type: 'update', quantity: v }));
      assert.equal((await erp.post(`/facility/${f}/dispensingWorkorders`, orders(...docs))).status, 200);
    }
    const final = { W1: 3, W2: 3, W3: 3, W4: 3, W5: 3 };
    await waitUntil('all orders at version 3', () => allAt(r, final));

    assert.deepEqual(r.unverified(), [], 'every delivery verifies');
    assertOrdered(r);
    const first = r.accepted()[0]!;
    assert.match(first.headers['webhook-id']!, /^msg_/);
    assert.match(first.headers['webhook-signature']!, /^v1,[A-Za-z0-9+/=]+$/);
    assert.equal(first.headers['content-type'], 'application/json');
    // The last delivery of each order is the document the poll serves now.
    await settled(stack);
    const poll = await pcs.get(`/facility/${f}/dispensingWorkorders`);
    const latest = new Map<string, unknown>();
    for (const d of r.accepted()) for (const doc of d.json.dispensingWorkOrder) latest.set(doc.workOrderIdentifier.number, doc);
    for (const doc of poll.body.dispensingWorkOrder) {
      const pushed = latest.get(doc.workOrderIdentifier.number) as Record<string, unknown>;
      assert.deepEqual({ ...pushed, workOrderType: doc.workOrderType }, doc);
    }

    const state = await waitUntil('delivered state', async () => {
      const s = await pcs.get(`${subs(f)}/${created.subscriptionId}`);
      return s.body.pending === 0 && s.body.lastDeliveryAt ? s : null;
    });
    assert.equal(state.body.status, 'active');
    assert.equal(state.body.failed, 0);
    assert.equal('secret' in state.body, false);
    // Three pushes, each after the previous one arrived, are at least two deliveries: the log pages newest first.
    const log = await pcs.get(`${subs(f)}/${created.subscriptionId}/deliveries?status=delivered&limit=1`);
    assert.equal(log.status, 200);
    assert.equal(log.body.deliveries.length, 1);
    assert.equal(log.body.deliveries[0].attempts.at(-1).status, 200);
    assert.equal(log.body.deliveries[0].attempts.at(-1).response, 'answered 200');
    assert.ok(r.received.some((x) => x.answered === 500));
    assert.ok(log.body.next);
    const page2 = await pcs.get(`${subs(f)}/${created.subscriptionId}/deliveries?status=delivered&limit=1&cursor=${log.body.next}`);
    assert.equal(page2.body.deliveries.length, 1);
    assert.ok(page2.body.deliveries[0].createdAt <= log.body.deliveries[0].createdAt);
    assert.notEqual(page2.body.deliveries[0].deliveryId, log.body.deliveries[0].deliveryId);
    assertProblem(await pcs.get(`${subs(f)}/${created.subscriptionId}/deliveries?cursor=bogus`), 400);
    assertProblem(await pcs.get(`${subs(f)}/${created.subscriptionId}/deliveries?status=lost`), 400);
  }, 60_000);

  test('an endpoint that is down, then answers 429 with Retry-After and hangs past 10 s, still ends with every change', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    // With the schedule 1s,1s,2s a delivery has four attempts: down, 429, hang, then 200.
    const script: Array<{ status: number; headers?: Record<string, string> } | 'hang'> = [
      { status: 429, headers: { 'retry-after': '1' } },
      'hang',
    ];
    r.answer = (_req, n) => script[n] ?? { status: 200 };
    await r.close();
    const { subscriptionId } = await subscribe(pcs, f, r);
    await erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder('D1', { quantity: 1 }), workOrder('D2', { quantity: 1 })));
    await waitUntil('a refused attempt', async () => {
      const log = await pcs.get(`${subs(f)}/${subscriptionId}/deliveries`);
      return log.body.deliveries[0]?.attempts.length > 0;
    });
    await r.listen();
    await erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder('D1', { type: 'update', quantity: 2 })));

    await waitUntil('both orders at their last version', () => allAt(r, { D1: 2, D2: 1 }), 60_000);
    assert.deepEqual(r.unverified(), []);
    assertOrdered(r);
    const answered = r.received.map((x) => x.answered);
    assert.deepEqual(answered.slice(0, 3), [429, 'hang', 200]);
    // One webhook-id across the retries of one delivery.
    assert.equal(new Set(r.received.slice(0, 3).map((x) => x.headers['webhook-id'])).size, 1);
    assert.ok(r.received[1]!.at - r.received[0]!.at >= 1000, 'Retry-After honoured');
    const log = await pcs.get(`${subs(f)}/${subscriptionId}/deliveries`);
    const attempts = log.body.deliveries.at(-1).attempts;
    assert.equal(attempts[0].status, null, 'the endpoint was down');
    assert.equal(log.body.deliveries.at(-1).status, 'delivered');
    assert.ok(
      attempts.some((a: { error: string | null }) => /10 s/.test(a.error ?? '')),
      'the hang timed out',
    );
  }, 90_000);

  test('a webhook-id names one body: a retry whose body changed (an order updated meanwhile) goes out under a new id', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    // Down for three attempts (one fewer than the schedule 1s,1s,2s allows: nothing is dead-lettered), then up.
    r.answer = (_req, n) => ({ status: n < 3 ? 500 : 200 });
    const { subscriptionId } = await subscribe(pcs, f, r);
    const push = async (...docs: ReturnType<typeof workOrder>[]) =>
      assert.equal((await erp.post(`/facility/${f}/dispensingWorkorders`, orders(...docs))).status, 200);
    await push(workOrder('O0', { quantity: 1 }), workOrder('O1', { quantity: 1 }), workOrder('O2', { quantity: 1 }));
    // O0 is updated after each failed attempt, while the delivery holding it waits for its retry.
    for (const [seen, v] of [
      [1, 2],
      [2, 3],
      [3, 4],
    ] as const) {
      await waitUntil(`attempt ${seen}`, () => r.received.length >= seen, 60_000);
      await push(workOrder('O0', { type: 'update', quantity: v }));
    }
    await waitUntil('every order at its latest version', () => allAt(r, { O0: 4, O1: 1, O2: 1 }), 60_000);

    assert.deepEqual(r.unverified(), [], 'every request verifies with standardwebhooks');
    // What the receiver saw, failed attempts included: one body per id, never an older version after a newer.
    const bodies = new Map<string, string>();
    const versions = new Map<string, number[]>();
    for (const x of r.received) {
      const id = x.headers['webhook-id']!;
      assert.equal(bodies.get(id) ?? x.body, x.body, `${id} named two bodies`);
      bodies.set(id, x.body);
      for (const doc of x.json.dispensingWorkOrder) {
        const n = doc.workOrderIdentifier.number;
        versions.set(n, [...(versions.get(n) ?? []), doc.productGroup[0].product[0].requestedQuantity.value]);
      }
    }
    for (const [n, vs] of versions) {
      for (let i = 1; i < vs.length; i++) assert.ok(vs[i]! >= vs[i - 1]!, `order ${n} went back: ${vs.join(', ')}`);
    }
    assert.equal(versions.get('O0')?.at(-1), 4);

    // The delivery log names the id of every attempt: the ids the receiver saw, and only those.
    const log = await waitUntil('every delivery done', async () => {
      const page = await pcs.get(`${subs(f)}/${subscriptionId}/deliveries?limit=100`);
      return page.body.deliveries.every((d: { status: string }) => d.status === 'delivered') ? page.body : null;
    });
    const logged = log.deliveries.flatMap((d: { attempts: { webhookId: string }[] }) => d.attempts.map((a) => a.webhookId));
    assert.deepEqual(new Set(logged), new Set(bodies.keys()));
    for (const d of log.deliveries) assert.equal(d.webhookId, d.attempts.at(-1)?.webhookId ?? d.webhookId);
  }, 120_000);

  test('a delivery that exhausts its retries is dead-lettered, replay sends it again', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    r.answer = () => ({ status: 500 });
    const { subscriptionId } = await subscribe(pcs, f, r);
    const before = new Date(Date.now() - 1000).toISOString();
    await erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder('X1', { quantity: 1 })));

    const failed = await waitUntil('a failed delivery', async () => {
      const log = await pcs.get(`${subs(f)}/${subscriptionId}/deliveries?status=failed`);
      return log.body.deliveries.length > 0 ? log.body.deliveries[0] : null;
    });
    assert.equal(failed.attempts.length, 4, 'the first attempt and three retries (1s,1s,2s)');
    assert.equal(failed.nextAttemptAt, null);
    const state = await pcs.get(`${subs(f)}/${subscriptionId}`);
    assert.equal(state.body.failed, 1);
    assert.equal(state.body.status, 'active', 'failing for less than WEBHOOK_DISABLE_AFTER');

    r.answer = () => ({ status: 204 });
    const replay = await pcs.post(`${subs(f)}/${subscriptionId}/replay`, { since: before });
    assert.equal(replay.status, 202);
    assert.match(replay.body.replayId, /^rpl_/);
    await waitUntil('the replayed order', () => allAt(r, { X1: 1 }));
    assertProblem(await pcs.post(`${subs(f)}/${subscriptionId}/replay`, { since: 'yesterday' }), 400);
    assertProblem(await pcs.post(`${subs(f)}/${subscriptionId}/replay`, {}), 400);
  }, 60_000);

  test('a steady stream of changes does not hold deliveries back until it stops', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    await subscribe(pcs, f, r);
    // The stream keeps coming (a change every 200 ms) until three deliveries arrived, for at most
    // 40 s: a sender that held deliveries back until the stream stops never ends it.
    const started = Date.now();
    let written = 0;
    while (r.accepted().length < 3 && Date.now() < started + 40_000) {
      await erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder(`S${written++}`, { quantity: 1 })));
      await sleep(200);
    }
    const streamEnded = Date.now();
    const deliveredWhileStreaming = r.accepted().length;
    await waitUntil('every order', () => allAt(r, Object.fromEntries(Array.from({ length: written }, (_, i) => [`S${i}`, 1]))));
    assert.ok(
      r.accepted()[0]!.at < streamEnded,
      `first delivery ${r.accepted()[0]!.at - started} ms after the first change, the stream lasted ${streamEnded - started} ms`,
    );
    assert.ok(deliveredWhileStreaming >= 3, `${deliveredWhileStreaming} deliveries while changes kept coming`);
  }, 120_000);

  test('a rotated secret: during the overlap each delivery verifies with the old and the new secret', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    const { subscriptionId, secret: old } = await subscribe(pcs, f, r);
    const rotated = await pcs.post(`${subs(f)}/${subscriptionId}/rotateSecret`, {});
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.secret, old);
    r.secrets.push(rotated.body.secret);
    await erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder('R1', { quantity: 1 })));
    await waitUntil('a delivery', () => r.accepted().length > 0);
    const d = r.accepted()[0]!;
    assert.deepEqual(d.verifiedWith, [0, 1]);
    assert.equal(d.headers['webhook-signature']!.split(' ').length, 2);
  }, 60_000);

  test('410 disables at once; enable resumes from where it stopped', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    r.answer = () => ({ status: 410 });
    const { subscriptionId } = await subscribe(pcs, f, r);
    await erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder('G1', { quantity: 1 })));
    const disabled = await waitUntil('disabled', async () => {
      const s = await pcs.get(`${subs(f)}/${subscriptionId}`);
      return s.body.status === 'disabled' ? s.body : null;
    });
    assert.match(disabled.disabledReason, /410/);
    assert.equal(disabled.pending, 1);
    await erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder('G2', { quantity: 1 })));
    // Nothing may happen here, so there is no outcome to wait for: a window longer than one
    // sender round (it looks every second) passes, and nothing was sent in it.
    await sleep(1500);
    assert.equal(r.received.length, 1, 'nothing is sent while disabled');

    r.answer = () => ({ status: 200 });
    const enabled = await pcs.post(`${subs(f)}/${subscriptionId}/enable`, {});
    assert.equal(enabled.status, 200);
    assert.equal(enabled.body.status, 'active');
    await waitUntil('both orders', () => allAt(r, { G1: 1, G2: 1 }));
    // Polling kept working meanwhile.
    assert.equal((await pcs.get(`/facility/${f}/dispensingWorkorders`)).body.dispensingWorkOrder.length, 2);
  }, 60_000);

  test('records reach an erp subscriber; the older form is a bare PascalCase array', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    const erpHere = await keyed(stack, 'erp', [f]);
    await subscribe(erpHere, f, r, { events: 'dispensingWorkRecord', format: 'legacy' });
    assert.equal((await pcs.post(`/facility/${f}/dispensingWorkRecords`, records(workRecord('REC-1')))).status, 200);
    await waitUntil('a record', () => r.accepted().length > 0);
    const body = r.accepted()[0]!.json;
    assert.ok(Array.isArray(body));
    assert.equal(body[0].WorkRecordIdentifier.Number, 'REC-1');
  }, 60_000);

  test('a corrected, then voided record reaches the erp subscriber again, each time in its latest revision', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    const erpHere = await keyed(stack, 'erp', [f]);
    await subscribe(erpHere, f, r, { events: 'dispensingWorkRecord' });
    const original = workRecord('REC-C');
    assert.equal((await pcs.post(`/facility/${f}/dispensingWorkRecords`, records(original))).status, 200);
    const corrected = structuredClone(original);
    corrected.productGroup[0]!.product[0]!.actualQuantity!.value = 15978;
    const path = `/facility/${f}/dispensingWorkRecords/REC-C`;
    assert.equal((await pcs.call('PUT', path, corrected)).body.results[0].outcome, 'corrected');
    assert.equal((await pcs.call('POST', `${path}/void`, { reason: 'turned back at the gate' })).body.outcome, 'voided');
    /** The DAP quantity of each delivered copy of the record, in the order they arrived. */
    const delivered = () =>
      r.accepted().flatMap((d) => d.json.dispensingWorkRecord.map((doc: any) => doc.productGroup[0].product[0].actualQuantity.value));
    await waitUntil('the voided revision', () => delivered().at(-1) === 0);
    await settled(stack);
    const seen = delivered();
    assert.ok(
      seen.slice(seen.indexOf(0)).every((v) => v === 0),
      `never an older revision after the newer one: ${seen.join(', ')}`,
    );
    const last = r.accepted().at(-1)!.json.dispensingWorkRecord.at(-1);
    assert.equal(last.comments.at(-1).comment, 'Voided: turned back at the gate');
  }, 60_000);

  test('plant master data is pushed like any polled kind: components reach a pcs subscriber, canonical only', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    const legacy = await pcs.post(subs(f), { url: r.url, events: 'components', format: 'legacy' });
    assert.equal(legacy.status, 400, 'the hub has no older form of its own kinds');
    await subscribe(pcs, f, r, { events: 'components' });
    const component = { identifier: { agency: 'AssignedBySeller', number: 'C-UREA' }, name: 'Urea', uom: 'KGM', active: true };
    const pushed = await erp.post(`/facility/${f}/components`, { components: [component] });
    assert.equal(pushed.status, 200, pushed.text);
    await waitUntil('a component', () => r.accepted().length > 0);
    assert.deepEqual(r.accepted()[0]!.json, { components: [component] });
    assert.equal(r.unverified().length, 0);
  }, 60_000);

  test('who may see a subscription: its key or an erp * key; another facility 403, another key 404', async () => {
    const f = facility();
    const g = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    const { subscriptionId } = await subscribe(pcs, f, r);
    const other = await keyed(stack, 'pcs', [f]);
    assertProblem(await other.get(`${subs(f)}/${subscriptionId}`), 404);
    assertProblem(await other.post(`${subs(f)}/${subscriptionId}/rotateSecret`, {}), 404);
    assert.deepEqual((await other.get(subs(f))).body, { subscriptions: [] });
    assertProblem(await pcs.get(subs(g)), 403);
    assertProblem(await pcs.get(`${subs(g)}/${subscriptionId}`), 403);
    assertProblem(await pcs.get(`${subs(f)}/sub_nothing`), 404);
    const all = await erp.get(subs(f));
    assert.deepEqual(
      all.body.subscriptions.map((s: { subscriptionId: string }) => s.subscriptionId),
      [subscriptionId],
    );
    assert.equal((await erp.get(`${subs(f)}/${subscriptionId}`)).status, 200);
    const deleted = await pcs.call('DELETE', `${subs(f)}/${subscriptionId}`);
    assert.equal(deleted.status, 204);
    assertProblem(await pcs.get(`${subs(f)}/${subscriptionId}`), 404);
  }, 30_000);

  test('invalid subscriptions are 400 naming the field; a kind the role may not poll 403; an 11th 409', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    const bad = async (body: unknown, path: string) => {
      const reply = await pcs.post(subs(f), body);
      assertProblem(reply, 400);
      assert.ok(
        reply.body.errors?.some((e: { path: string }) => e.path.includes(path)),
        JSON.stringify(reply.body),
      );
    };
    await bad({ url: 'not a url', events: 'dispensingWorkOrder' }, 'url');
    await bad({ url: 'ftp://127.0.0.1/x', events: 'dispensingWorkOrder' }, 'url');
    await bad({ url: r.url, events: 'nothing' }, 'events');
    await bad({ url: r.url }, 'events');
    await bad({ url: r.url, events: 'dispensingWorkOrder', extra: 1 }, 'extra');
    await bad({ url: r.url, events: 'dispensingWorkOrder', format: 'xml' }, 'format');
    assertProblem(await pcs.post(subs(f), { url: r.url, events: 'dispensingWorkRecord' }), 403);
    for (let i = 0; i < 10; i++) assert.equal((await pcs.post(subs(f), { url: r.url, events: 'dispensingWorkOrder' })).status, 201);
    assertProblem(await pcs.post(subs(f), { url: r.url, events: 'dispensingWorkOrder' }), 409);
  }, 30_000);

  test("revoking a key disables its subscriptions with the reason 'key revoked'", async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    const { key } = pcs;
    const created = await subscribe(pcs, f, r);
    const list = await stack.keys(['list', '--json']);
    const keyId = (JSON.parse(list.stdout) as { keyId: string }[]).find((k) => key.includes(k.keyId))!.keyId;
    const revoked = await stack.keys(['revoke', keyId]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /disabled 1 webhook subscription/);
    const seen = await erp.get(`${subs(f)}/${created.subscriptionId}`);
    assert.equal(seen.body.status, 'disabled');
    assert.equal(seen.body.disabledReason, 'key revoked');
    assertProblem(await erp.post(`${subs(f)}/${created.subscriptionId}/enable`, {}), 409);
  }, 30_000);

  test('work queued in the outbox before it was sharded (its one partition) is still delivered after the upgrade', async () => {
    const f = facility();
    const r = await receiver();
    const pcs = await keyed(stack, 'pcs', [f]);
    const { db, tableName } = localTable(stack);
    try {
      // Orders the subscription has not delivered yet: pushed before it, then its position moved back before them.
      // A probe subscribed first receives them: the dispatcher is done with the push before the subscription exists.
      const probe = await receiver();
      await subscribe(pcs, f, probe);
      const before = isoMs(Date.now() - 1000);
      assert.equal(
        (await erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder('Q1', { quantity: 1 }), workOrder('Q2', { quantity: 1 }))))
          .status,
        200,
      );
      await waitUntil('the probe has both orders', () => allAt(probe, { Q1: 1, Q2: 1 }));
      const { subscriptionId } = await subscribe(pcs, f, r);
      const home = { pk: outboxPk(outboxShard(subscriptionId)), sk: dueMarkerSk(f, subscriptionId) };
      await waitUntil('the look after creation is done', async () =>
        (await db.send(new GetCommand({ TableName: tableName, Key: home, ConsistentRead: true }))).Item ? null : true,
      );
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: facilityPk(f), sk: subscriptionSk(subscriptionId) },
          UpdateExpression: 'SET #p = :p',
          ExpressionAttributeNames: { '#p': 'position' },
          ExpressionAttributeValues: { ':p': before },
        }),
      );
      // The marker as the code before issue 30 left it: in the one partition, none in the shards.
      const legacy = { pk: LEGACY_OUTBOX_PK, sk: dueMarkerSk(f, subscriptionId) };
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...legacy, facilityId: f, subscriptionId, dueAt: Date.now(), ver: 1, lastChange: Date.now() },
        }),
      );
      await waitUntil('both orders delivered', () => allAt(r, { Q1: 1, Q2: 1 }));
      assert.deepEqual(r.unverified(), []);
      const left = await db.send(new GetCommand({ TableName: tableName, Key: legacy, ConsistentRead: true }));
      assert.equal(left.Item, undefined, 'the legacy partition holds nothing of it any more');
    } finally {
      db.destroy();
    }
  }, 60_000);
});
