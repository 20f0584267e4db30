/**
 * The hub against its floor, side by side in one run: a minimal one-Query endpoint for polls
 * (test/bench/floor/server.ts, its own process like the hub) and raw BatchWriteItem for pushes.
 * Runs alternate (hub, floor, hub, floor, ...) so that the machine's load hits both alike;
 * the figure is the ratio of the medians. Prints, asserts nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { WorkOrderDocument } from '../../functions/domain/work-orders.ts';
import { changesPk } from '../../functions/store/keys.ts';
import { orderItem } from '../../functions/store/order-store.ts';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack, ROOT } from '../support/local-stack.ts';
import { diff, perRequest, readCounts } from './dynamo-count.ts';
import { seed } from './poll-latency.ts';
import { fmt, percentile } from './stats.ts';

interface Floor {
  url: string;
  child: ChildProcess;
}

/** Starts the floor server on the stack's DynamoDB Local. */
export async function startFloor(stack: LocalStack): Promise<Floor> {
  const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as { dynamodbEndpoint: string; tableName: string };
  const child = spawn(process.execPath, ['test/bench/floor/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, DYNAMODB_ENDPOINT: local.dynamodbEndpoint, TABLE_NAME: local.tableName },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`floor exited with ${code}`)));
  });
  return { url, child };
}

const median = (xs: number[]) => percentile(xs, 50);

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export interface Ratio {
  name: string;
  hub: number;
  floor: number;
  ratio: number;
}

function report(name: string, hub: number[], floor: number[]): Ratio {
  const r = { name, hub: median(hub), floor: median(floor), ratio: median(hub) / median(floor) };
  console.log(`  ${name.padEnd(34)} hub ${fmt(r.hub).padStart(9)}  floor ${fmt(r.floor).padStart(9)}  ratio ${r.ratio.toFixed(2)}`);
  return r;
}

/** Both sides are timed as they are: no contract check of the answers on the client's side. */
const UNCHECKED = { contract: false } as const;

/** Polls (10 documents, and empty) against one Query, pushes against raw BatchWriteItem. */
export async function benchFloor(stack: LocalStack, rounds = 200): Promise<Ratio[]> {
  const floor = await startFloor(stack);
  try {
    const facility = 'FLOOR-1000';
    const erpKey = await stack.createKey('erp', [facility, 'PUSH-HUB']);
    const pcsKey = await stack.createKey('pcs', [facility]);
    const idleKey = await stack.createKey('pcs', [facility]);
    const erp = client(stack.baseUrl, erpKey, UNCHECKED);
    const pcs = client(stack.baseUrl, pcsKey, UNCHECKED);
    const idle = client(stack.baseUrl, idleKey, UNCHECKED);
    const bare = client(floor.url, undefined, UNCHECKED);

    await seed(stack, facility, 1000);
    const since = new Date(Date.now() - 1000).toISOString();
    const changes = Array.from({ length: 10 }, (_, j) => workOrder(`OLD-${999 - j * 7}`, { type: 'update', quantity: j + 1 }));
    const pushed = await erp.post(`/facility/${facility}/dispensingWorkorders`, orders(...changes));
    if (pushed.status !== 200) throw new Error(`seeding changes failed: ${pushed.text}`);
    await new Promise((r) => setTimeout(r, 1000));
    const afterChanges = new Date().toISOString();
    // The idle key has received the 10 changes: from now on its polls (with the time of its previous call) find nothing.
    const first = await idle.get(`/facility/${facility}/dispensingWorkorders?lastExecutionDateTime=${encodeURIComponent(since)}`);
    if (first.body?.dispensingWorkOrder?.length !== 10) throw new Error(`idle key's first poll: ${first.text}`);

    const pk = encodeURIComponent(changesPk(facility, 'ORDERS'));
    const hubPoll = async () => {
      const r = await pcs.get(`/facility/${facility}/dispensingWorkorders?lastExecutionDateTime=${encodeURIComponent(since)}`);
      if (r.body?.dispensingWorkOrder?.length !== 10) throw new Error(`hub poll: ${r.status} ${r.text.slice(0, 200)}`);
    };
    const floorPoll = async () => {
      const r = await bare.get(`/poll?pk=${pk}&lo=${encodeURIComponent(since)}&hi=${encodeURIComponent(`${new Date().toISOString()}~`)}`);
      if (r.body?.dispensingWorkOrder?.length !== 10) throw new Error(`floor poll: ${r.status} ${r.text.slice(0, 200)}`);
    };
    let previous = afterChanges;
    const hubEmpty = async () => {
      const sent = new Date().toISOString();
      const r = await idle.get(`/facility/${facility}/dispensingWorkorders?lastExecutionDateTime=${encodeURIComponent(previous)}`);
      previous = sent;
      if (r.status !== 200 || r.body?.dispensingWorkOrder?.length !== 0)
        throw new Error(`hub empty poll: ${r.status} ${r.text.slice(0, 200)}`);
    };
    const floorEmpty = async () => {
      const r = await bare.get(
        `/poll?pk=${pk}&lo=${encodeURIComponent(afterChanges)}&hi=${encodeURIComponent(`${new Date().toISOString()}~`)}`,
      );
      if (r.body?.dispensingWorkOrder?.length !== 0) throw new Error(`floor empty poll: ${r.text.slice(0, 200)}`);
    };

    const samples = { hubPoll: [] as number[], floorPoll: [] as number[], hubEmpty: [] as number[], floorEmpty: [] as number[] };
    const load0 = loadavg()[0]!;
    for (let round = -20; round < rounds; round++) {
      // Alternate which goes first, so neither always follows the other.
      const pair = round % 2 === 0 ? (['hub', 'floor'] as const) : (['floor', 'hub'] as const);
      for (const who of pair) {
        const a = await timed(who === 'hub' ? hubPoll : floorPoll);
        const b = await timed(who === 'hub' ? hubEmpty : floorEmpty);
        if (round < 0) continue;
        samples[who === 'hub' ? 'hubPoll' : 'floorPoll'].push(a);
        samples[who === 'hub' ? 'hubEmpty' : 'floorEmpty'].push(b);
      }
    }
    console.log(
      `\nHub vs floor (medians of ${rounds} alternating runs; load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on ${navigator.hardwareConcurrency} cores)`,
    );
    const out = [report('poll serving 10 orders / one Query', samples.hubPoll, samples.floorPoll)];
    out.push(report('empty poll / one empty Query', samples.hubEmpty, samples.floorEmpty));
    // Counted by the stack's own process (started with test/bench/dynamo-count.ts): what each poll asked of DynamoDB.
    if (existsSync(join(stack.dataDir, 'dynamo-requests.json'))) {
      const route = `GET /facility/{f}/dispensingWorkorders`;
      const counted = 20;
      for (const [what, run] of [
        ['empty poll', hubEmpty],
        ['poll serving 10 orders', hubPoll],
      ] as const) {
        const before = await readCounts(stack);
        for (let i = 0; i < counted; i++) await run();
        const c = diff(await readCounts(stack), before, route);
        console.log(`  counted, ${what}: ${perRequest(c)} per poll (${c.requests} polls)`);
      }
    }
    out.push(await benchPush(erp, bare));
    return out;
  } finally {
    floor.child.kill('SIGTERM');
  }
}

/**
 * Pushing 1,000 orders in batches of 50, 4 in flight: the hub's push route against raw
 * BatchWriteItem of the same items, and against one raw TransactWriteItems per batch (the
 * database's own cost of an all-or-nothing batch). Runs rotate hub, batch write, transaction;
 * the first round warms all three up (the emulator's JIT compiles its transaction and
 * batch-write code on first use) and is not counted.
 */
async function benchPush(erp: ReturnType<typeof client>, bare: ReturnType<typeof client>, runs = 9): Promise<Ratio> {
  const total = 1000;
  const batch = 50;
  const inFlight = 4;
  const hub: number[] = [];
  const raw: number[] = [];
  const transact: number[] = [];
  const drive = async (send: (i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < total / batch) await send(next++);
      }),
    );
  };
  const hubPush = (tag: string) =>
    drive(async (b) => {
      const docs = Array.from({ length: batch }, (_, j) => workOrder(`P-${tag}-${b * batch + j}`));
      const r = await erp.post('/facility/PUSH-HUB/dispensingWorkorders', orders(...docs));
      if (r.status !== 200) throw new Error(`hub push: ${r.status} ${r.text.slice(0, 200)}`);
    });
  const rawPush = (tag: string, how: '' | '?transact') =>
    drive(async (b) => {
      const t = Date.now();
      const items = Array.from({ length: batch }, (_, j) => {
        const number = `P-${tag}-${b * batch + j}`;
        const doc = workOrder(number) as unknown as WorkOrderDocument;
        const state = {
          facilityId: how ? 'PUSH-TX' : 'PUSH-RAW',
          agency: 'AssignedBySender',
          number,
          doc,
          status: 'open' as const,
          revision: 1,
        };
        return orderItem({ ...state, version: 1, lastErpChange: 'create', createdAt: t, modifiedAt: t, updatedAt: t }, 1);
      });
      const r = await bare.post(`/push${how}`, { items });
      if (r.status !== 200) throw new Error(`raw push: ${r.status} ${r.text.slice(0, 200)}`);
    });
  for (let run = -3; run < runs * 3; run++) {
    const tag = `R${run + 3}`;
    const [hubTimes, rawTimes, txTimes] = run >= 0 ? [hub, raw, transact] : [[], [], []];
    const which = (run + 3) % 3;
    if (which === 0) hubTimes.push(await timed(() => hubPush(tag)));
    else if (which === 1) rawTimes.push(await timed(() => rawPush(tag, '')));
    else txTimes.push(await timed(() => rawPush(tag, '?transact')));
  }
  const r = report(`push ${total} orders, ${batch}/batch, ${inFlight} in flight`, hub, raw);
  console.log(`  (push throughput, hub / raw BatchWriteItem: ${(1 / r.ratio).toFixed(2)}×)`);
  const tx = median(transact);
  console.log(
    `  raw TransactWriteItems of the same batches ${fmt(tx)}: its throughput / raw BatchWriteItem ${(r.floor / tx).toFixed(2)}×, hub / it ${(tx / r.hub).toFixed(2)}×`,
  );
  // The same orders again: every one exists and answers unchanged (the guess's cancelled transaction says so).
  const resent: number[] = [];
  for (let run = 0; run < 3; run++) resent.push(await timed(() => hubPush('R0')));
  console.log(`  resending ${total} orders (all unchanged): hub ${fmt(median(resent))} (median of 3)`);
  return r;
}
