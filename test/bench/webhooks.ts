/**
 * Push delivery figures on the local stack (`npm run bench -- webhooks`): latency from the
 * push to the receiver (p50/p95), deliveries and documents per second sustained over several
 * subscriptions, the redelivery ratio against a receiver that fails 10 % of requests, and
 * breadth (issue 30): 300 subscriptions over 100 facilities, one push to each facility — every
 * change delivered, push → receiver latency, and how the deliveries spread over the outbox's
 * partitions. The receiver verifies every signature (test/support/webhook-receiver.ts). Prints,
 * asserts nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mapConcurrently } from '../../functions/shared/concurrency.ts';
import { LEGACY_OUTBOX_PK, OUTBOX_PKS, OUTBOX_SHARDS, outboxPk, outboxShard } from '../../functions/store/keys.ts';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack, localInstance, sleep, startStack } from '../support/local-stack.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';
import { COUNTS_FILE, countingEnv, diff, readCounts } from './dynamo-count.ts';
import { fmt, percentile } from './stats.ts';

const numbersOf = (r: Receiver) =>
  r
    .accepted()
    .flatMap((d) => (d.json.dispensingWorkOrder as { workOrderIdentifier: { number: string } }[]).map((o) => o.workOrderIdentifier.number));

async function subscribed(stack: LocalStack, facility: string, r: Receiver) {
  const pcs = client(stack.baseUrl, await stack.createKey('pcs', [facility]));
  const reply = await pcs.post(`/facility/${facility}/subscriptions`, { url: r.url, events: 'dispensingWorkOrder' });
  if (reply.status !== 201) throw new Error(`subscribe: ${reply.text}`);
  r.secrets.push(reply.body.secret);
}

async function waitFor(what: string, done: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function benchWebhooks(): Promise<void> {
  // Counting (dynamo-count.ts): the breadth part prints the event functions' requests per delivery.
  const stack = await startStack({ env: { POLL_SETTLE_MS: '100', WEBHOOK_RETRY_SCHEDULE: '1s,1s,2s,4s,8s', ...countingEnv() } });
  const receivers: Receiver[] = [];
  try {
    const erp = client(stack.baseUrl, await stack.createKey('erp', ['*']));
    const push = (f: string, docs: ReturnType<typeof workOrder>[]) => erp.post(`/facility/${f}/dispensingWorkorders`, orders(...docs));

    // 1. Latency: one order at a time, from the start of its push to its arrival.
    const r1 = await startReceiver();
    receivers.push(r1);
    await subscribed(stack, 'BENCH-LAT', r1);
    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const number = `L-${i}`;
      const t0 = Date.now();
      await push('BENCH-LAT', [workOrder(number)]);
      await waitFor(number, () => numbersOf(r1).includes(number));
      const arrived = r1
        .accepted()
        .find((d) =>
          d.json.dispensingWorkOrder.some((o: { workOrderIdentifier: { number: string } }) => o.workOrderIdentifier.number === number),
        )!;
      latencies.push(arrived.at - t0);
    }
    console.log(
      `webhooks: push → receiver latency over ${latencies.length} orders: p50 ${fmt(percentile(latencies, 50))}, p95 ${fmt(percentile(latencies, 95))} (settle delay 100 ms; the local sender passes as markers come due)`,
    );

    // 2. Throughput: 5 subscriptions, 40 pushes of 5 orders each, as fast as the ERP can push.
    const facilities = Array.from({ length: 5 }, (_, i) => `BENCH-TP-${i}`);
    const r2 = await Promise.all(facilities.map(() => startReceiver()));
    receivers.push(...r2);
    await Promise.all(facilities.map((f, i) => subscribed(stack, f, r2[i]!)));
    const t0 = Date.now();
    for (let round = 0; round < 40; round++) {
      await Promise.all(
        facilities.map((f) =>
          push(
            f,
            Array.from({ length: 5 }, (_, k) => workOrder(`T-${round}-${k}`)),
          ),
        ),
      );
    }
    const pushedMs = Date.now() - t0;
    await waitFor('every order on every subscription', () => r2.every((r) => new Set(numbersOf(r)).size === 200));
    const elapsed = (Math.max(...r2.flatMap((r) => r.accepted().map((d) => d.at))) - t0) / 1000;
    const deliveries = r2.reduce((n, r) => n + r.accepted().length, 0);
    const documents = r2.reduce((n, r) => n + numbersOf(r).length, 0);
    console.log(
      `webhooks: ${documents} documents in ${deliveries} deliveries to 5 subscriptions in ${elapsed.toFixed(1)} s (pushes took ${(pushedMs / 1000).toFixed(1)} s): ${(deliveries / elapsed).toFixed(1)} deliveries/s, ${(documents / elapsed).toFixed(0)} documents/s`,
    );

    // 3. Redelivery: 5 receivers that each fail 10 % of requests at random (500), 60 orders each, 4 a second.
    const rdFacilities = Array.from({ length: 5 }, (_, i) => `BENCH-RD-${i}`);
    const r3 = await Promise.all(rdFacilities.map(() => startReceiver()));
    receivers.push(...r3);
    for (const r of r3) r.answer = () => (Math.random() < 0.1 ? { status: 500 } : { status: 200 });
    await Promise.all(rdFacilities.map((f, i) => subscribed(stack, f, r3[i]!)));
    for (let i = 0; i < 60; i++) {
      await Promise.all(rdFacilities.map((f) => push(f, [workOrder(`R-${i}`)])));
      await sleep(250);
    }
    await waitFor('every order despite failures', () => r3.every((r) => new Set(numbersOf(r)).size === 60));
    const requests = r3.reduce((n, r) => n + r.received.length, 0);
    const accepted = r3.reduce((n, r) => n + r.accepted().length, 0);
    const retried = requests - accepted;
    const unverified = [r1, ...r2, ...r3].reduce((n, r) => n + r.unverified().length, 0);
    console.log(
      `webhooks: receivers failing 10 %: ${requests} requests for ${accepted} deliveries, redelivery ratio ${(retried / accepted).toFixed(3)} (${retried} retried), all 300 orders arrived; signatures that did not verify: ${unverified}`,
    );

    await benchBreadth(stack, receivers);
  } finally {
    await Promise.all(receivers.map((r) => r.stop()));
    await stack.destroy();
  }
}

/** The breadth part's shape: facilities, subscriptions (spread evenly over them), orders per push. */
const BREADTH = { facilities: 100, subscriptions: 300, ordersPerPush: 5 } as const;

/**
 * Every outbox marker of the bench's facilities, by partition (the shards and the legacy one),
 * read straight from DynamoDB Local: what the sampler sees while the sender works.
 */
function outboxReader(stack: LocalStack, prefix: string) {
  const local = localInstance(stack);
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: local.dynamodbEndpoint,
      region: stack.env.AWS_REGION ?? 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    }),
  );
  const read = async (pk: string) => {
    const page = await db.send(
      new QueryCommand({
        TableName: local.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': pk, ':p': prefix },
        ProjectionExpression: 'subscriptionId',
      }),
    );
    return (page.Items ?? []).map((i) => i.subscriptionId as string);
  };
  return {
    read: async () =>
      Object.fromEntries(await Promise.all([LEGACY_OUTBOX_PK, ...OUTBOX_PKS].map(async (pk) => [pk, await read(pk)] as const))),
    destroy: () => db.destroy(),
  };
}

/**
 * 300 subscriptions over 100 facilities (three each, each to a receiver of its own on loopback),
 * then one push of 5 orders to each facility, as fast as the ERP pushes (8 at a time): every
 * (subscription, order) pair must arrive; latency is from a facility's push to the arrival of
 * its last order at each of its subscriptions. A sampler reads the outbox every 500 ms: how many
 * markers each partition held at once, and whether any sat outside its subscription's shard.
 */
export async function benchBreadth(stack: LocalStack, receivers: Receiver[], tag = 'BR'): Promise<void> {
  const { facilities: F, subscriptions: S, ordersPerPush: N } = BREADTH;
  const facilities = Array.from({ length: F }, (_, i) => `BENCH-${tag}-${String(i).padStart(3, '0')}`);
  const pcs = client(stack.baseUrl, await stack.createKey('pcs', facilities));
  const erp = client(stack.baseUrl, await stack.createKey('erp', ['*']));
  const rs = await Promise.all(Array.from({ length: S }, () => startReceiver()));
  receivers.push(...rs);
  const subs = await mapConcurrently(rs, 8, async (r, i) => {
    const facility = facilities[i % F]!;
    const reply = await pcs.post(`/facility/${facility}/subscriptions`, { url: r.url, events: 'dispensingWorkOrder' });
    if (reply.status !== 201) throw new Error(`subscribe: ${reply.text}`);
    r.secrets.push(reply.body.secret);
    return { facility, subscriptionId: reply.body.subscriptionId as string, receiver: r };
  });
  const outbox = outboxReader(stack, `BENCH-${tag}-`);
  try {
    // The look after each creation: wait until the outbox holds none of these, so the push starts on an idle outbox.
    for (let end = Date.now() + 60_000; Date.now() < end; await sleep(250)) {
      if (Object.values(await outbox.read()).every((ids) => ids.length === 0)) break;
    }
    const peak = new Map<string, number>();
    let misplaced = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const [pk, ids] of Object.entries(await outbox.read())) {
          peak.set(pk, Math.max(peak.get(pk) ?? 0, ids.length));
          misplaced += ids.filter((id) => pk !== outboxPk(outboxShard(id))).length;
        }
        await sleep(500);
      }
    })();

    // The event functions' DynamoDB requests from the push to the last arrival (a counting stack only).
    const counted = existsSync(join(stack.dataDir, COUNTS_FILE));
    const before = counted ? await readCounts(stack) : null;
    const pushedAt = new Map<string, number>();
    const t0 = Date.now();
    await mapConcurrently(facilities, 8, async (f) => {
      pushedAt.set(f, Date.now());
      const reply = await erp.post(
        `/facility/${f}/dispensingWorkorders`,
        orders(...Array.from({ length: N }, (_, k) => workOrder(`B-${k}`))),
      );
      if (reply.status !== 200) throw new Error(`push: ${reply.text}`);
    });
    const pushedMs = Date.now() - t0;
    const numbers = (r: Receiver) => new Set(numbersOf(r));
    const expected = S * N;
    const delivered = () => subs.reduce((n, s) => n + numbers(s.receiver).size, 0);
    const deadline = Date.now() + 120_000;
    while (delivered() < expected && Date.now() < deadline) await sleep(50);
    sampling = false;
    await sampler;
    const events = before ? diff(await readCounts(stack), before, 'events') : null;

    const latencies = subs.flatMap((s) => {
      if (numbers(s.receiver).size < N) return [];
      const arrivals = new Map<string, number>();
      for (const d of s.receiver.accepted()) {
        for (const o of d.json.dispensingWorkOrder as { workOrderIdentifier: { number: string } }[]) {
          if (!arrivals.has(o.workOrderIdentifier.number)) arrivals.set(o.workOrderIdentifier.number, d.at);
        }
      }
      return [Math.max(...arrivals.values()) - pushedAt.get(s.facility)!];
    });
    const deliveriesOf = (r: Receiver) => r.accepted().length;
    const perShard = Array.from({ length: OUTBOX_SHARDS }, (_, shard) => subs.filter((s) => outboxShard(s.subscriptionId) === shard));
    const deliveries = perShard.map((list) => list.reduce((n, s) => n + deliveriesOf(s.receiver), 0));
    const total = deliveries.reduce((a, b) => a + b, 0);
    const unverified = rs.reduce((n, r) => n + r.unverified().length, 0);
    const arrivals = rs.flatMap((r) => r.accepted().map((d) => d.at));
    const drainS = (Math.max(...arrivals) - Math.min(...arrivals)) / 1000;
    console.log(
      `webhooks breadth: ${S} subscriptions over ${F} facilities, one push of ${N} orders to each facility (pushes took ${(pushedMs / 1000).toFixed(1)} s): ${delivered()} of ${expected} changes delivered (subscription × order) in ${total} deliveries; signatures that did not verify: ${unverified}`,
    );
    console.log(
      `webhooks breadth: push → receiver (a push's last order at each subscription) over ${latencies.length} subscriptions: p50 ${fmt(percentile(latencies, 50))}, p95 ${fmt(percentile(latencies, 95))}, max ${fmt(Math.max(...latencies))} (settle delay 100 ms; the local sender passes as markers come due); first to last arrival ${drainS.toFixed(1)} s: ${(total / drainS).toFixed(1)} deliveries/s`,
    );
    console.log(
      `webhooks breadth: outbox partitions (${OUTBOX_SHARDS} shards by a hash of the subscription id): subscriptions per shard ${perShard.map((l) => l.length).join(', ')}; deliveries per shard ${deliveries.join(', ')} (busiest ${((100 * Math.max(...deliveries)) / total).toFixed(1)} % of all, an even share ${(100 / OUTBOX_SHARDS).toFixed(1)} %); peak due markers at once per shard ${OUTBOX_PKS.map((pk) => peak.get(pk) ?? 0).join(', ')}; legacy partition peak ${peak.get(LEGACY_OUTBOX_PK) ?? 0}; markers seen outside their shard ${misplaced}`,
    );
    if (events) {
      const ops = Object.entries(events.ops)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, n]) => `${op} ${(n / total).toFixed(2)}`)
        .join(', ');
      console.log(
        `webhooks breadth: DynamoDB requests of the event functions (dispatcher, sender, derive) per delivery, from the first push to the last arrival: ${(events.dynamo / total).toFixed(2)} (${ops}), of them writes ${(events.writes / total).toFixed(2)}`,
      );
    }
  } finally {
    outbox.destroy();
  }
}
