/**
 * A poll after a burst (issue 30): what a poll costs, in time and in items read, when many
 * changes were made just before the time it sends. A poll should read what it returns, however
 * busy the facility was just before.
 *
 * On a stack with the customer's default settle delay (3 s):
 *  - a known poller's poll with a time 3 s after a burst of 1,000 orders pushed through the API,
 *    returning the 10 orders changed since, through the gateway against one Query of the same
 *    10 items on the floor server (test/bench/floor/server.ts), runs alternating;
 *  - a fresh key's first poll with a time 3 s after loading a facility of 10,000 orders against
 *    the same at 500 orders (the orders written straight into DynamoDB Local, one per
 *    millisecond up to the load's end, as a push at the hub's pace would stamp them).
 *
 * Items read are counted in this process: it runs the hub's own poll (use-cases/poll-changes.ts
 * over store/change-stream.ts, the code the gateway runs) against the stack's DynamoDB Local, with
 * a middleware on the store's DynamoDB client counting requests, writes and the items each Query
 * read (its ScannedCount). Fresh keys are fresh poller ids there. Prints, asserts nothing.
 */
import { POLL_SETTINGS } from '../../functions/shared/config.ts';
import { changesPk } from '../../functions/store/keys.ts';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack, sleep, useStackStores } from '../support/local-stack.ts';
import { startFloor } from './floor-ratio.ts';
import { seed } from './poll-latency.ts';
import { fmt, percentile } from './stats.ts';

const median = (xs: number[]) => percentile(xs, 50);
const UNCHECKED = { contract: false } as const;

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** DynamoDB requests, writes and items read by Queries, counted on the store's client in this process. */
interface Counts {
  requests: number;
  writes: number;
  itemsRead: number;
}

/** Points this process's store modules at the stack and counts what they ask of DynamoDB. */
async function inProcessPoll(stack: LocalStack, settleMs: number) {
  useStackStores(stack);
  // The local functions' credentials (DynamoDB Local keeps a database per access key), read
  // from the environment: the bench's other modules loaded the store's client module already.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  const { dynamoClient } = await import('../../functions/store/clients.ts');
  const store = await import('../../functions/store/change-stream.ts');
  const { pollChanges } = await import('../../functions/use-cases/poll-changes.ts');
  const counts: Counts = { requests: 0, writes: 0, itemsRead: 0 };
  dynamoClient().middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      counts.requests++;
      const name = String(context.commandName ?? '');
      if (/Put|Update|Delete|Write/.test(name)) counts.writes++;
      if (name === 'QueryCommand') counts.itemsRead += (out.output as { ScannedCount?: number }).ScannedCount ?? 0;
      return out;
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  const settings = {
    settleMs,
    pageSize: POLL_SETTINGS.pageSize.default,
    maxBytes: POLL_SETTINGS.maxBytes.default,
  };
  /** One poll as the order poll runs it; returns what it served and what it asked of DynamoDB. */
  const poll = async (keyId: string, facilityId: string, clientTime: number) => {
    const before = { ...counts };
    const page = await pollChanges(
      store,
      { keyId, facilityId, stream: 'ORDERS', clientTime, cursor: null },
      { ...settings, lastPollEveryMs: 60_000 },
    );
    const asked = {
      requests: counts.requests - before.requests,
      writes: counts.writes - before.writes,
      itemsRead: counts.itemsRead - before.itemsRead,
    };
    return { served: page.items.length, ...asked };
  };
  return { poll };
}

const describe = (c: { served: number; requests: number; writes: number; itemsRead: number }) =>
  `served ${c.served}, ${c.requests} DynamoDB requests (${c.writes} writes), ${c.itemsRead} items read`;

/** Pushes `count` new orders through the API: 50 per request, 4 requests in flight. */
async function push(erp: ReturnType<typeof client>, facility: string, count: number, prefix: string): Promise<void> {
  const batch = 50;
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count / batch) {
        const b = next++;
        const docs = Array.from({ length: batch }, (_, j) => workOrder(`${prefix}-${b * batch + j}`));
        const r = await erp.post(`/facility/${facility}/dispensingWorkorders`, orders(...docs));
        if (r.status !== 200) throw new Error(`push: ${r.status} ${r.text.slice(0, 200)}`);
      }
    }),
  );
}

/** Changes 10 of the orders named `{prefix}-{i}` (i below `count`) through the API. */
async function change10(erp: ReturnType<typeof client>, facility: string, prefix: string, count: number): Promise<void> {
  const docs = Array.from({ length: 10 }, (_, j) => workOrder(`${prefix}-${count - 1 - j * 7}`, { type: 'update', quantity: j + 1 }));
  const r = await erp.post(`/facility/${facility}/dispensingWorkorders`, orders(...docs));
  if (r.status !== 200) throw new Error(`changing 10 orders: ${r.status} ${r.text.slice(0, 200)}`);
}

/** The burst measurements on `stack` (whose settle delay is `settleMs`). */
export async function benchBurst(stack: LocalStack, settleMs: number, rounds = 100): Promise<void> {
  const floor = await startFloor(stack);
  try {
    const facility = 'BURST-1000';
    const fresh = [500, 10_000];
    const freshFacilities = fresh.map((n) => `LOADED-${n}`);
    const erp = client(stack.baseUrl, await stack.createKey('erp', [facility, ...freshFacilities]), UNCHECKED);
    const pcs = client(stack.baseUrl, await stack.createKey('pcs', [facility]), UNCHECKED);
    const bare = client(floor.url, undefined, UNCHECKED);
    const { poll } = await inProcessPoll(stack, settleMs);

    // A known poller's poll 3 s after a burst.
    const t0 = performance.now();
    await push(erp, facility, 1000, 'B');
    const burstEnd = Date.now();
    console.log(`\nPoll after a burst (settle delay ${settleMs} ms; page size ${POLL_SETTINGS.pageSize.default})`);
    console.log(`  pushed 1,000 orders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const time = burstEnd + 3000;
    await sleep(Math.max(0, time + 100 - Date.now()));
    await change10(erp, facility, 'B', 1000);
    await sleep(settleMs + 500);
    const since = encodeURIComponent(new Date(time).toISOString());
    // The key's first poll with that time makes it known; from then on the same time again is
    // served from where that poll started (a lost answer served again), with no write.
    const hubPoll = async () => {
      const r = await pcs.get(`/facility/${facility}/dispensingWorkorders?lastExecutionDateTime=${since}`);
      if (r.body?.dispensingWorkOrder?.length !== 10) throw new Error(`hub poll: ${r.status} ${r.text.slice(0, 200)}`);
    };
    const pk = encodeURIComponent(changesPk(facility, 'ORDERS'));
    const floorPoll = async () => {
      const r = await bare.get(`/poll?pk=${pk}&lo=${since}&hi=${encodeURIComponent(`${new Date().toISOString()}~`)}`);
      if (r.body?.dispensingWorkOrder?.length !== 10) throw new Error(`floor poll: ${r.status} ${r.text.slice(0, 200)}`);
    };
    await hubPoll();
    const first = await poll('bench-known', facility, time);
    const sent = Date.now();
    const known = await poll('bench-known', facility, time);
    const hub: number[] = [];
    const one: number[] = [];
    for (let round = -10; round < rounds; round++) {
      const pair = round % 2 === 0 ? [hubPoll, floorPoll] : [floorPoll, hubPoll];
      for (const run of pair) {
        const ms = await timed(run);
        if (round >= 0) (run === hubPoll ? hub : one).push(ms);
      }
    }
    const empty = await poll('bench-known', facility, sent);
    console.log(
      `  known poller, 10 changed orders / one Query of them: hub ${fmt(median(hub))}  floor ${fmt(median(one))}  ratio ${(median(hub) / median(one)).toFixed(2)} (medians of ${rounds} alternating runs)`,
    );
    console.log(`    its first poll (a fresh key): ${describe(first)}`);
    console.log(`    the same time again (known poller): ${describe(known)}`);
    console.log(`    its next poll, nothing new: ${describe(empty)}`);

    // A fresh key's first poll 3 s after loading 500 and 10,000 orders.
    const loadEnd = Date.now();
    for (const [i, n] of fresh.entries()) await seed(stack, freshFacilities[i]!, n, loadEnd - n);
    // The loaded orders are stamped up to loadEnd; the first poll's time is 3 s after that.
    const loaded = Date.now();
    const freshTime = loadEnd + 3000;
    await sleep(Math.max(0, freshTime + 100 - Date.now()));
    for (const [i, n] of fresh.entries()) await change10(erp, freshFacilities[i]!, 'OLD', n);
    await sleep(settleMs + 500);
    const samples = fresh.map(() => [] as number[]);
    const reads = fresh.map(() => [] as number[]);
    const asked = fresh.map(() => [] as number[]);
    for (let round = -10; round < rounds; round++) {
      for (const [i, f] of freshFacilities.entries()) {
        let c: Awaited<ReturnType<typeof poll>> | undefined;
        const ms = await timed(async () => {
          c = await poll(`bench-fresh-${round}`, f, freshTime);
        });
        if (c!.served !== 10) throw new Error(`fresh key's first poll at ${f} served ${c!.served}`);
        if (round < 0) continue;
        samples[i]!.push(ms);
        reads[i]!.push(c!.itemsRead);
        asked[i]!.push(c!.requests);
      }
    }
    console.log(
      `  a fresh key's first poll 3 s after loading the facility (in this process; ${rounds} runs, alternating; loaded in ${((loaded - loadEnd) / 1000).toFixed(1)} s):`,
    );
    for (const [i, n] of fresh.entries()) {
      console.log(
        `    ${String(n).padStart(6)} orders: median ${fmt(median(samples[i]!))}, items read median ${median(reads[i]!)} (max ${Math.max(...reads[i]!)}), requests median ${median(asked[i]!)}`,
      );
    }
    console.log(`    ratio of medians ${fresh.at(-1)} / ${fresh[0]}: ${(median(samples.at(-1)!) / median(samples[0]!)).toFixed(2)}`);
  } finally {
    floor.child.kill('SIGTERM');
  }
}
