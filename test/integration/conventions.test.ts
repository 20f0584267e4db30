/**
 * The conventions every answer follows (API.md, "Conventions on every answer"), on a real local
 * stack whose output the test reads: request ids on every answer and problem, the gateway's own
 * ones included; the one-line request log (text and LOG_FORMAT=json); Powertools one JSON
 * object per line, each naming its own function; a line per webhook delivery attempt;
 * `Location` on 201; `Idempotency-Key` on the POSTs that are not idempotent.
 */

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack, type Reply, startStack } from '../support/local-stack.ts';
import { assertProblem } from '../support/problems.ts';
import { waitUntil } from '../support/shared-stack.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

const F = 'PLANT-C';
const subs = `/facility/${F}/subscriptions`;
const ID = /^[0-9a-f-]{36}$/;

/** A stack whose stdout the test keeps, line by line. */
async function loggingStack(env: Record<string, string> = {}): Promise<{ stack: LocalStack; lines: () => string[] }> {
  const stack = await startStack({ env: { MIXTICKET_QUIET: '0', POWERTOOLS_LOG_LEVEL: 'INFO', WEBHOOK_RETRY_SCHEDULE: '1s,1s', ...env } });
  let out = '';
  stack.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return { stack, lines: () => out.split('\n').filter((l) => l !== '') };
}

/** The request id of an answer: the header, and the problem's instance when it is one. */
function requestIdOf(reply: Reply): string {
  const id = reply.headers.get('x-request-id');
  assert.ok(id && ID.test(id), `x-request-id: ${id}`);
  if (reply.status >= 400) assert.equal(reply.body?.instance, `urn:request:${id}`, JSON.stringify(reply.body));
  return id;
}

const keyIdOf = (key: string) => /^mtk_([0-9a-f]{12})_/.exec(key)![1]!;

describe('on one stack, text log', () => {
  let stack: LocalStack;
  let lines: () => string[];
  let erpKey: string;
  let pcsKey: string;
  let receiver: Receiver;

  beforeAll(async () => {
    ({ stack, lines } = await loggingStack());
    erpKey = await stack.createKey('erp', [F]);
    pcsKey = await stack.createKey('pcs', [F]);
    receiver = await startReceiver();
  }, 180_000);
  afterAll(async () => {
    await receiver?.stop();
    await stack?.destroy();
  });

  test("the gateway's own answers carry x-request-id and the problem's instance: 401, 404, 405 (with Allow), 413", async () => {
    const anonymous = client(stack.baseUrl);
    const erp = client(stack.baseUrl, erpKey);
    const noKey = await anonymous.get(`/facility/${F}/dispensingWorkorders`);
    assertProblem(noKey, 401);
    requestIdOf(noKey);
    const unknown = await erp.get('/nowhere');
    assertProblem(unknown, 404);
    requestIdOf(unknown);
    const method = await erp.call('PATCH', `/facility/${F}/dispensingWorkorders`);
    assertProblem(method, 405);
    requestIdOf(method);
    assert.match(method.headers.get('allow') ?? '', /GET/);
    const large = await erp.post(`/facility/${F}/dispensingWorkorders`, 'x'.repeat(6 * 1024 * 1024 + 1));
    assertProblem(large, 413);
    requestIdOf(large);
    const ids = [noKey, unknown, method, large].map((r) => r.headers.get('x-request-id'));
    assert.equal(new Set(ids).size, ids.length, 'one id per request');
  });

  test("a handler's answers carry the id the handler saw: its problems' instance is the same id", async () => {
    const erp = client(stack.baseUrl, erpKey);
    const ok = await erp.get(`/facility/${F}/dispensingWorkorders`);
    assert.equal(ok.status, 200);
    requestIdOf(ok);
    const invalid = await erp.post(`/facility/${F}/dispensingWorkorders`, { nothing: 1 });
    assertProblem(invalid, 400);
    requestIdOf(invalid);
    const missing = await erp.get(`/facility/${F}/dispensingWorkorders/NOT-THERE`);
    assertProblem(missing, 404);
    requestIdOf(missing);
  });

  test('each request logs one line: method, path, status, ms, request id and key id, never the key', async () => {
    const erp = client(stack.baseUrl, erpKey);
    const pushed = await erp.post(`/facility/${F}/dispensingWorkorders`, orders(workOrder('LOG-1')));
    const health = await client(stack.baseUrl).get('/health');
    const pushedId = requestIdOf(pushed);
    const healthId = requestIdOf(health);
    await waitUntil('the access log line', () => lines().some((l) => l.includes(healthId)), 10_000);
    const line = lines().find((l) => l.includes(`req=${pushedId}`));
    assert.ok(line, lines().join('\n'));
    assert.match(line, new RegExp(`^POST /facility/${F}/dispensingWorkorders 200 \\d+\\.\\dms req=${pushedId} key=${keyIdOf(erpKey)}$`));
    assert.match(lines().find((l) => l.includes(`req=${healthId}`))!, new RegExp(`^GET /health 200 \\d+\\.\\dms req=${healthId} key=-$`));
    assert.ok(!lines().some((l) => l.includes(erpKey)), 'the key itself is never logged');
  });

  test('Powertools logs one JSON object per line, each naming the function and request it came from, even side by side', async () => {
    const erp = client(stack.baseUrl, erpKey);
    // Requests to three routes at once, each rejected after a read (so that they overlap): each logs "request rejected".
    const calls = Array.from({ length: 8 }, (_, i) => [
      erp.get(`/facility/${F}/dispensingWorkorders/NONE-${i}`),
      erp.get(`${subs}/sub_${'0'.repeat(24)}`),
      erp.get(`/facility/${F}/purchaseOrders/NONE-${i}`),
    ]).flat();
    const replies = await Promise.all(calls);
    for (const r of replies) {
      assertProblem(r, 404);
      requestIdOf(r);
    }
    const expected = new Map<string, string>();
    replies.forEach((r, i) => {
      expected.set(r.headers.get('x-request-id')!, ['getWorkOrder', 'getSubscription', 'getPurchaseOrder'][i % 3]!);
    });
    await waitUntil(
      'a log line of every request',
      () => [...expected.keys()].every((id) => lines().some((l) => l.startsWith('{') && l.includes(id))),
      10_000,
    );
    for (const l of lines().filter((x) => x.startsWith('{'))) {
      const event = JSON.parse(l) as Record<string, unknown>;
      const id = event.function_request_id as string | undefined;
      if (!id || !expected.has(id)) continue;
      assert.equal(event.function_name, expected.get(id), l);
      assert.equal(event.request_id, id, l);
    }
    assert.ok(
      lines().every((l) => !/^\s+"/.test(l) && l !== '{' && l !== '}'),
      'no pretty-printed (multi-line) JSON',
    );
  });

  test('one log line per webhook delivery attempt: subscription, webhook-id, status, ms, outcome', async () => {
    const pcs = client(stack.baseUrl, pcsKey);
    receiver.answer = (_req, n) => (n === 0 ? { status: 503 } : { status: 200 });
    const created = await pcs.post(subs, { url: receiver.url, events: 'dispensingWorkOrder' });
    assert.equal(created.status, 201);
    receiver.secrets.push(created.body.secret);
    const subscriptionId = created.body.subscriptionId as string;
    await client(stack.baseUrl, erpKey).post(`/facility/${F}/dispensingWorkorders`, orders(workOrder('HOOK-1')));
    await waitUntil('a delivery', () => receiver.accepted().length > 0, 30_000);
    const attempts = () =>
      lines()
        .filter((l) => l.startsWith('{') && l.includes('webhook delivery attempt') && l.includes(subscriptionId))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    await waitUntil('the delivered attempt logged', () => attempts().some((a) => a.outcome === 'delivered'), 10_000);
    const logged = attempts();
    assert.equal(logged.length, receiver.received.length, 'as many lines as attempts that reached the endpoint');
    assert.deepEqual(
      logged.map((a) => a.status),
      receiver.received.map((r) => r.answered),
    );
    for (const [i, a] of logged.entries()) {
      assert.equal(a.webhookId, receiver.received[i]!.headers['webhook-id']);
      assert.equal(typeof a.ms, 'number');
    }
    assert.equal(logged[0]!.outcome, 'retry');
    assert.equal(logged.at(-1)!.outcome, 'delivered');
  }, 60_000);

  test('a 201 carries Location: a created subscription, an order created by PUT, an upload; each names what was made', async () => {
    const pcs = client(stack.baseUrl, pcsKey);
    const erp = client(stack.baseUrl, erpKey);
    const sub = await pcs.post(subs, { url: receiver.url, events: 'dispensingWorkOrder' });
    assert.equal(sub.status, 201);
    assert.equal(sub.headers.get('location'), `${subs}/${sub.body.subscriptionId}`);
    assert.equal((await pcs.get(sub.headers.get('location')!)).status, 200);

    const path = `/facility/${F}/dispensingWorkorders/PUT%201`;
    const put = await erp.call('PUT', path, workOrder('PUT 1'));
    assert.equal(put.status, 201, put.text);
    assert.equal(put.headers.get('location'), path);
    assert.equal((await erp.get(put.headers.get('location')!)).body.workOrder.workOrderIdentifier.number, 'PUT 1');
    const again = await erp.call('PUT', path, workOrder('PUT 1'));
    assert.equal(again.status, 200);

    const upload = await pcs.post(`/facility/${F}/documents`, { fileName: 'bol.pdf', contentType: 'application/pdf', size: 10 });
    assert.equal(upload.status, 201);
    assert.equal(upload.headers.get('location'), `/facility/${F}/documents/${upload.body.documentId}`);
  });

  test('Idempotency-Key: the same key and body answer the first answer again and make one subscription', async () => {
    const key = await stack.createKey('pcs', [F]);
    const pcs = client(stack.baseUrl, key);
    const body = { url: receiver.url, events: 'dispensingWorkOrder' };
    const first = await pcs.post(subs, body, { 'idempotency-key': 'create-sub-1' });
    const second = await pcs.post(subs, body, { 'idempotency-key': 'create-sub-1' });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.text, first.text, 'the same body, the same secret');
    assert.equal(second.headers.get('location'), first.headers.get('location'));
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.notEqual(second.headers.get('x-request-id'), first.headers.get('x-request-id'), 'each request has its own id');
    const list = await pcs.get(subs);
    assert.equal(list.body.subscriptions.length, 1, JSON.stringify(list.body));

    // Another body under the same key: 422, nothing done.
    const other = await pcs.post(subs, { ...body, format: 'legacy' }, { 'idempotency-key': 'create-sub-1' });
    assertProblem(other, 422, 'idempotency-key-reused');
    requestIdOf(other);
    assert.equal((await pcs.get(subs)).body.subscriptions.length, 1);

    // A malformed key: 400 naming the header, nothing done.
    for (const bad of ['', 'x'.repeat(256), 'with space']) {
      const r = await pcs.post(subs, body, { 'idempotency-key': bad });
      assertProblem(r, 400);
    }
    assert.equal((await pcs.get(subs)).body.subscriptions.length, 1);

    // Another client's same key is its own.
    const otherClient = client(stack.baseUrl, await stack.createKey('pcs', [F]));
    assert.notEqual((await otherClient.post(subs, body, { 'idempotency-key': 'create-sub-1' })).text, first.text);
    assert.equal((await otherClient.get(subs)).body.subscriptions.length, 1);

    // A refused first request does not keep its key: sent again corrected, it runs.
    const refused = await pcs.post(subs, { url: 'not a url', events: 'dispensingWorkOrder' }, { 'idempotency-key': 'create-sub-2' });
    assertProblem(refused, 400);
    const fixed = await pcs.post(subs, body, { 'idempotency-key': 'create-sub-2' });
    assert.equal(fixed.status, 201, fixed.text);
    assert.equal((await pcs.get(subs)).body.subscriptions.length, 2);
  });

  test('Idempotency-Key: identical requests at once make one subscription; each answer is the first one or a 409', async () => {
    const key = await stack.createKey('pcs', [F]);
    const pcs = client(stack.baseUrl, key);
    const body = { url: receiver.url, events: 'dispensingWorkOrder' };
    const replies = await Promise.all(Array.from({ length: 6 }, () => pcs.post(subs, body, { 'idempotency-key': 'race-1' })));
    const created = replies.filter((r) => r.status === 201);
    assert.ok(created.length >= 1, replies.map((r) => r.status).join(','));
    for (const r of created) assert.equal(r.text, created[0]!.text);
    for (const r of replies.filter((x) => x.status !== 201)) assertProblem(r, 409);
    assert.equal((await pcs.get(subs)).body.subscriptions.length, 1);
    // Once the first has answered, a repeat gets its answer.
    assert.equal((await pcs.post(subs, body, { 'idempotency-key': 'race-1' })).text, created[0]!.text);
  });
});

test('LOG_FORMAT=json: the request log is one JSON object per line', async () => {
  const { stack, lines } = await loggingStack({ LOG_FORMAT: 'json' });
  try {
    const key = await stack.createKey('erp', [F]);
    const reply = await client(stack.baseUrl, key).get(`/facility/${F}/dispensingWorkorders`);
    const id = requestIdOf(reply);
    await waitUntil('the access log line', () => lines().some((l) => l.includes(id)), 10_000);
    const entry = JSON.parse(lines().find((l) => l.includes(id))!) as Record<string, unknown>;
    assert.deepEqual(
      { ...entry, time: typeof entry.time, ms: typeof entry.ms },
      {
        time: 'string',
        method: 'GET',
        path: `/facility/${F}/dispensingWorkorders`,
        status: 200,
        ms: 'number',
        requestId: id,
        keyId: keyIdOf(key),
      },
    );
    assert.ok(!lines().some((l) => l.includes(key)));
  } finally {
    await stack.destroy();
  }
}, 180_000);
