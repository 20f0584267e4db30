/**
 * Push delivery figures on the local stack (`npm run bench -- webhooks`): latency from the
 * push to the receiver (p50/p95), deliveries and documents per second sustained over several
 * subscriptions, and the redelivery ratio against a receiver that fails 10 % of requests.
 * The receiver verifies every signature (test/support/webhook-receiver.ts). Prints, asserts nothing.
 */
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack, sleep, startStack } from '../support/local-stack.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';
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
  const stack = await startStack({ env: { POLL_SETTLE_MS: '100', WEBHOOK_RETRY_SCHEDULE: '1s,1s,2s,4s,8s' } });
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
      `webhooks: push → receiver latency over ${latencies.length} orders: p50 ${fmt(percentile(latencies, 50))}, p95 ${fmt(percentile(latencies, 95))} (settle delay 100 ms, local sender every 1 s)`,
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
  } finally {
    await Promise.all(receivers.map((r) => r.stop()));
    await stack.destroy();
  }
}
