/**
 * The largest customer's load (issue 30): 500 plants, one pcs key each (100 facilities, 5 plants
 * each), polling the work orders as a real PCS does — each key sends the time of its own
 * previous poll — at an open-loop target of 50 polls/s (each key every 10 s), while an ERP
 * pushes 50 new orders a second (one facility after the other) and the plants submit 5 work
 * records a second. On a fresh local stack with the customer's default settle delay.
 *
 * Open loop: poll i is due at start + i / rate whether or not earlier polls have been answered,
 * and its latency runs from when it was due (a bench that waits for answers before sending
 * hides the queue it causes). A key whose previous poll is still out when its turn comes
 * skips that turn (counted). 10 s of the same load come first and are not counted (warm-up).
 *
 * Prints the achieved poll rate, p50/p95/p99 poll latency, errors, orders lost (after the run
 * every key polls until two answers after the last push settled came back empty; every order
 * pushed to its facility must then be held in its last pushed version, as the soak checks),
 * and the DynamoDB requests per poll, counted in the stack's own process by route
 * (test/bench/dynamo-count.ts). When the machine does not sustain the target (achieved under
 * 95 % of it, or p95 at or over 100 ms), it steps the rate down to the highest that it does,
 * and prints that load's p95 against an idle poll's p95 measured in the same run. Then the
 * target rate once more with polls alone (once the event functions have caught up with the
 * stream), to tell what the writes add; each window also prints the stack process's
 * event-loop delay (one Node process runs every route and event function locally). Prints,
 * asserts nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { POLL_SETTINGS } from '../../functions/shared/config.ts';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack, sleep, startStack, useStackStores } from '../support/local-stack.ts';
import { records, workRecord } from '../support/records.ts';
import { type Counts, countingEnv, diff, type LoopSecond, perRequest, readCounts, readLoopDelay } from './dynamo-count.ts';
import { fmt, percentile } from './stats.ts';

export interface LoadOptions {
  /** Seconds at the target rate (default 60); each step down runs min(seconds, 20). */
  seconds?: number;
  /** Polls per second wanted (default 50: 500 keys every 10 s). */
  rate?: number;
}

const FACILITIES = 100;
const PLANTS = 5;
const PUSH_EVERY_MS = 1000;
const ORDERS_PER_PUSH = 50;
const RECORDS_PER_S = 5;
/** A load is sustained when it achieves this share of its rate with p95 under P95_GOAL_MS. */
const SUSTAINED_SHARE = 0.95;
const P95_GOAL_MS = 100;
const STEPS = [40, 30, 25, 20, 15, 10, 5];

const UNCHECKED = { contract: false } as const;
const POLL_ROUTE = 'GET /facility/{f}/dispensingWorkorders';
const PUSH_ROUTE = 'POST /facility/{f}/dispensingWorkorders';
const RECORD_ROUTE = 'POST /facility/{f}/dispensingWorkRecords';
const facilityId = (f: number) => `LOAD-${String(f).padStart(3, '0')}`;

/** One plant's PCS: its key, the time of its previous answered poll, and what it holds. */
interface Plant {
  facility: string;
  api: ReturnType<typeof client>;
  /** The time it sent its last answered poll (its lastExecutionDateTime next time). */
  last: string | null;
  busy: boolean;
  /** Order number → the marker (groupDescription) of the version it holds. */
  held: Map<string, string>;
}

interface Window {
  rate: number;
  seconds: number;
  /** Pushes and records arrive as well (false: polls alone). */
  writes: boolean;
  due: number;
  sent: number;
  skipped: number;
  latencies: number[];
  errors: string[];
  pushes: number;
  pushLatencies: number[];
  pushErrors: string[];
  records: number;
  recordLatencies: number[];
  recordErrors: string[];
  counts: { before: Counts; after: Counts };
  /** The stack's event-loop delay in the window's seconds. */
  loop: LoopSecond[];
  /** CPU seconds used in the window: the stack's Node process, its DynamoDB Local (and other children), this process. */
  cpu: Cpu;
}

interface Cpu {
  stack: number;
  dynamo: number;
  bench: number;
}

/** CPU seconds (user + system) of a process from /proc (Linux; 0 elsewhere or when it is gone). */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, fields 14 and 15 of stat (11 and 12 after the command), in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The descendants of a process (its DynamoDB Local among them), from /proc. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number)) {
        out.push(child, ...descendants(child));
      }
    }
  } catch {
    // not Linux, or gone
  }
  return out;
}

function cpuNow(stackPid: number): Cpu {
  const bench = process.cpuUsage();
  return {
    stack: cpuOf(stackPid),
    dynamo: descendants(stackPid).reduce((n, pid) => n + cpuOf(pid), 0),
    bench: (bench.user + bench.system) / 1e6,
  };
}

/** Makes the keys in this process (the keys CLI's own code, without a process per key). */
async function makeKeys(stack: LocalStack, specs: { role: 'erp' | 'pcs'; facilities: string[]; name: string }[]): Promise<string[]> {
  useStackStores(stack);
  // DynamoDB Local keeps a database per access key: the local functions' credentials.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  const { generateKey } = await import('../../functions/domain/api-keys.ts');
  const { putApiKey } = await import('../../functions/store/api-key-store.ts');
  const out: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < specs.length) {
        const i = next++;
        const made = generateKey(specs[i]!, new Date());
        await putApiKey(made.record);
        out[i] = made.key;
      }
    }),
  );
  return out;
}

/** One poll: follows Link rel="next" at once; keeps what it was served; the key's time moves on only when answered. */
async function pollOnce(plant: Plant, baseUrl: string): Promise<void> {
  const sentAt = new Date().toISOString();
  let url = `/facility/${plant.facility}/dispensingWorkorders${plant.last === null ? '' : `?lastExecutionDateTime=${encodeURIComponent(plant.last)}`}`;
  for (;;) {
    const r = await plant.api.get(url);
    if (r.status !== 200) throw new Error(`poll: ${r.status} ${r.text.slice(0, 200)}`);
    for (const doc of r.body.dispensingWorkOrder as any[]) plant.held.set(doc.workOrderIdentifier.number, String(doc.groupDescription));
    const next = /<([^>]+)>; rel="next"/.exec(r.headers.get('link') ?? '')?.[1];
    if (!next) break;
    url = next.slice(baseUrl.length);
  }
  plant.last = sentAt;
}

export async function benchLoad(options: LoadOptions = {}): Promise<void> {
  const seconds = options.seconds ?? 60;
  const target = options.rate ?? 50;
  const settleMs = POLL_SETTINGS.settleMs.default;
  const stack = await startStack({ env: { POLL_SETTLE_MS: String(settleMs), ...countingEnv() } });
  try {
    const facilities = Array.from({ length: FACILITIES }, (_, f) => facilityId(f));
    // Plant p of facility f at index p * FACILITIES + f: consecutive polls go to different facilities.
    const specs = [
      { role: 'erp' as const, facilities: ['*'], name: 'load ERP' },
      ...Array.from({ length: FACILITIES * PLANTS }, (_, i) => ({
        role: 'pcs' as const,
        facilities: [facilities[i % FACILITIES]!],
        name: `load plant ${Math.floor(i / FACILITIES)} of ${facilities[i % FACILITIES]}`,
      })),
    ];
    const t0 = performance.now();
    const [erpKey, ...plantKeys] = await makeKeys(stack, specs);
    const erp = client(stack.baseUrl, erpKey, UNCHECKED);
    const plants: Plant[] = plantKeys.map((key, i) => ({
      facility: facilities[i % FACILITIES]!,
      api: client(stack.baseUrl, key, UNCHECKED),
      last: null,
      busy: false,
      held: new Map(),
    }));
    console.log(
      `\nLoad: ${plants.length} pcs keys (${FACILITIES} facilities × ${PLANTS} plants), target ${target} polls/s for ${seconds} s, open loop; pushes of ${ORDERS_PER_PUSH} orders every ${PUSH_EVERY_MS} ms, ${RECORDS_PER_S} records/s; settle delay ${settleMs} ms`,
    );
    // Every plant's first poll (its initial load, nothing there yet): the key becomes known and its authorizer answer cached.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < plants.length) await pollOnce(plants[next++]!, stack.baseUrl);
      }),
    );
    console.log(`  ${plants.length} keys made and polled once in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // An idle poll: one known key, one poll at a time, nothing else running.
    const idlePlant = plants[0]!;
    const idle: number[] = [];
    for (let i = -20; i < 200; i++) {
      const t = performance.now();
      await pollOnce(idlePlant, stack.baseUrl);
      if (i >= 0) idle.push(performance.now() - t);
    }
    const idleP95 = percentile(idle, 95);
    console.log(`  idle poll (one key, one at a time, 200 polls): p50 ${fmt(percentile(idle, 50))} p95 ${fmt(idleP95)}`);

    // The ERP's truth: order number → the marker of its last acknowledged version, by facility.
    const truth = new Map<string, Map<string, string>>(facilities.map((f) => [f, new Map()]));
    let pushSeq = 0;
    let recordSeq = 0;

    const run = async (rate: number, secs: number, writes = true): Promise<Window> => {
      const w: Window = {
        rate,
        seconds: secs,
        writes,
        due: 0,
        sent: 0,
        skipped: 0,
        latencies: [],
        errors: [],
        pushes: 0,
        pushLatencies: [],
        pushErrors: [],
        records: 0,
        recordLatencies: [],
        recordErrors: [],
        counts: { before: await readCounts(stack), after: {} },
        loop: [],
        cpu: { stack: 0, dynamo: 0, bench: 0 },
      };
      const cpu0 = cpuNow(stack.child.pid!);
      const startedAt = Date.now();
      const start = performance.now();
      const end = start + secs * 1000;
      const inFlight: Promise<void>[] = [];
      let i = 0;
      let pushes = 0;
      let recs = 0;
      const push = async () => {
        const facility = facilities[pushSeq % FACILITIES]!;
        const seq = pushSeq++;
        const docs = Array.from({ length: ORDERS_PER_PUSH }, (_, j) => workOrder(`L-${seq}-${j}`, { note: `push ${seq}` }));
        try {
          const t = performance.now();
          const r = await erp.post(`/facility/${facility}/dispensingWorkorders`, orders(...docs));
          if (r.status !== 200) throw new Error(`${r.status} ${r.text.slice(0, 200)}`);
          w.pushLatencies.push(performance.now() - t);
          for (const doc of docs) truth.get(facility)!.set(doc.workOrderIdentifier.number, String(doc.groupDescription));
          w.pushes++;
        } catch (e) {
          w.pushErrors.push(String((e as Error).message ?? e));
        }
      };
      const record = async () => {
        // A record on an order pushed earlier, sent by a plant of its facility (none before the first push is answered).
        const pushed = facilities.filter((f) => truth.get(f)!.size > 0);
        if (pushed.length === 0) return;
        const seq = recordSeq++;
        const facility = pushed[seq % pushed.length]!;
        const orderNumbers = [...truth.get(facility)!.keys()];
        const order = orderNumbers[seq % orderNumbers.length]!;
        const plant = plants[(seq % PLANTS) * FACILITIES + facilities.indexOf(facility)]!;
        try {
          const doc = workRecord(`LR-${seq}`, { order, actual: [1.5, 0.25] });
          const t = performance.now();
          const r = await plant.api.post(`/facility/${facility}/dispensingWorkRecords`, records(doc));
          if (r.status >= 300) throw new Error(`${r.status} ${r.text.slice(0, 200)}`);
          w.recordLatencies.push(performance.now() - t);
          w.records++;
        } catch (e) {
          w.recordErrors.push(String((e as Error).message ?? e));
        }
      };
      for (;;) {
        const now = performance.now();
        if (now >= end) break;
        // Everything due by now: polls at `rate`, pushes every PUSH_EVERY_MS, records at RECORDS_PER_S.
        while (start + (i * 1000) / rate <= now) {
          const due = start + (i * 1000) / rate;
          const plant = plants[i % plants.length]!;
          i++;
          w.due++;
          if (plant.busy) {
            w.skipped++;
            continue;
          }
          plant.busy = true;
          w.sent++;
          inFlight.push(
            pollOnce(plant, stack.baseUrl)
              .then(
                () => void w.latencies.push(performance.now() - due),
                (e) => void w.errors.push(String((e as Error).message ?? e)),
              )
              .finally(() => {
                plant.busy = false;
              }),
          );
        }
        while (writes && start + pushes * PUSH_EVERY_MS <= now) {
          pushes++;
          inFlight.push(push());
        }
        while (writes && start + (recs * 1000) / RECORDS_PER_S <= now) {
          recs++;
          inFlight.push(record());
        }
        const nextDue = writes
          ? Math.min(start + (i * 1000) / rate, start + pushes * PUSH_EVERY_MS, start + (recs * 1000) / RECORDS_PER_S)
          : start + (i * 1000) / rate;
        await sleep(Math.max(0, nextDue - performance.now()));
      }
      await Promise.all(inFlight);
      const cpu1 = cpuNow(stack.child.pid!);
      const took = (Date.now() - startedAt) / 1000;
      w.cpu = {
        stack: (cpu1.stack - cpu0.stack) / took,
        dynamo: (cpu1.dynamo - cpu0.dynamo) / took,
        bench: (cpu1.bench - cpu0.bench) / took,
      };
      w.loop = await readLoopDelay(stack, startedAt, Date.now());
      w.counts.after = await readCounts(stack);
      return w;
    };

    const report = (w: Window) => {
      const achieved = w.latencies.length / w.seconds;
      const p = (q: number) => percentile(w.latencies, q);
      const poll = diff(w.counts.after, w.counts.before, POLL_ROUTE);
      console.log(
        `  ${String(w.rate).padStart(3)} polls/s wanted${w.writes ? '' : ', polls alone'}, ${w.seconds} s: achieved ${achieved.toFixed(1)} polls/s (${w.latencies.length} answered, ${w.skipped} turns skipped, key still waiting), latency p50 ${fmt(p(50))} p95 ${fmt(p(95))} p99 ${fmt(p(99))}, errors ${w.errors.length + w.pushErrors.length + w.recordErrors.length} (polls ${w.errors.length}, pushes ${w.pushErrors.length}, records ${w.recordErrors.length})`,
      );
      console.log(`      per poll: ${perRequest(poll)}`);
      if (w.writes)
        console.log(
          `      pushes ${w.pushes} (${w.pushes * ORDERS_PER_PUSH} orders), p50 ${fmt(percentile(w.pushLatencies, 50))} p95 ${fmt(percentile(w.pushLatencies, 95))}; records ${w.records}, p50 ${fmt(percentile(w.recordLatencies, 50))} p95 ${fmt(percentile(w.recordLatencies, 95))}`,
        );
      console.log(
        `      the stack's event loop (one process: every route and event function), delay by second: p99 median ${fmt(
          percentile(
            w.loop.map((s) => s.p99),
            50,
          ),
        )}, longest stall ${fmt(Math.max(0, ...w.loop.map((s) => s.max)))}`,
      );
      console.log(
        `      CPU, in cores of ${navigator.hardwareConcurrency}: the stack's Node process ${w.cpu.stack.toFixed(2)}, DynamoDB Local ${w.cpu.dynamo.toFixed(2)}, this bench ${w.cpu.bench.toFixed(2)}; machine load average ${loadavg()[0]!.toFixed(1)}`,
      );
      for (const e of [...w.errors, ...w.pushErrors, ...w.recordErrors].slice(0, 3)) console.log(`      error: ${e}`);
      return { achieved, p95: p(95), sustained: achieved >= SUSTAINED_SHARE * w.rate && p(95) < P95_GOAL_MS };
    };

    // What the event functions ask of DynamoDB per second with no writes (the scheduled ones' timers).
    const eventsRate = async (ms: number) => {
      const before = await readCounts(stack);
      await sleep(ms);
      return (diff(await readCounts(stack), before, 'events').dynamo * 1000) / ms;
    };
    const quiet = await eventsRate(3000);

    // Warm-up: the same load for 10 s, not counted (the stack runs around the clock: its first
    // pushes and records compile validators and code paths that a measured window should not pay).
    const warm = await run(target, Math.min(seconds, 10));
    console.log(
      `  warm-up, ${warm.seconds} s at ${target} polls/s with the writes (not counted): poll p95 ${fmt(percentile(warm.latencies, 95))}`,
    );

    const load0 = loadavg()[0]!;
    const main = await run(target, seconds);
    const first = report(main);
    const all = [warm, main];
    let best = first.sustained ? { rate: target, p95: first.p95 } : undefined;
    if (!first.sustained) {
      console.log(
        `  not sustained (achieved under ${SUSTAINED_SHARE * 100} % of the rate, or p95 ≥ ${P95_GOAL_MS} ms): stepping the rate down, ${Math.min(seconds, 20)} s a step`,
      );
      for (const rate of STEPS.filter((r) => r < target)) {
        const w = await run(rate, Math.min(seconds, 20));
        all.push(w);
        const r = report(w);
        if (r.sustained) {
          best = { rate, p95: r.p95 };
          break;
        }
      }
    }
    // The same polls without the writes: how much of the latency the pushes and records (and the
    // event functions they start) add. First the event functions catch up with the table's stream.
    const caughtUpBy = Date.now() + 60_000;
    let behind = await eventsRate(2000);
    while (behind > 2 * quiet + 5 && Date.now() < caughtUpBy) behind = await eventsRate(2000);
    console.log(
      `  event functions: ${behind.toFixed(0)} DynamoDB requests/s after the writes stopped (${quiet.toFixed(0)}/s before any write)`,
    );
    const alone = await run(target, Math.min(seconds, 20), false);
    all.push(alone);
    report(alone);
    const load1 = loadavg()[0]!;

    // The tail: every key polls until two answers after the last push settled came back empty.
    await sleep(settleMs + 500);
    const tailErrors: string[] = [];
    next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < plants.length) {
          const plant = plants[next++]!;
          try {
            for (let empty = 0; empty < 2; ) {
              const before = plant.held.size;
              const markers = [...plant.held.values()].join();
              await pollOnce(plant, stack.baseUrl);
              empty = plant.held.size === before && [...plant.held.values()].join() === markers ? empty + 1 : 0;
            }
          } catch (e) {
            tailErrors.push(String((e as Error).message ?? e));
          }
        }
      }),
    );
    let lost = 0;
    let stale = 0;
    let pushedOrders = 0;
    for (const want of truth.values()) pushedOrders += want.size * PLANTS;
    for (const plant of plants) {
      for (const [number, marker] of truth.get(plant.facility)!) {
        const got = plant.held.get(number);
        if (got === undefined) lost++;
        else if (got !== marker) stale++;
      }
    }
    // Every DynamoDB request of the measured window at the target rate: routes and event functions.
    const tags = new Set([...Object.keys(main.counts.after), ...Object.keys(main.counts.before)]);
    const mainTotal = [...tags].reduce((n, tag) => n + diff(main.counts.after, main.counts.before, tag).dynamo, 0);
    const mainEvents = diff(main.counts.after, main.counts.before, 'events').dynamo;
    console.log(
      `  orders lost: ${lost + stale} (${lost} never served, ${stale} served in an older version) of ${pushedOrders} (order, plant) pairs; tail errors ${tailErrors.length}${tailErrors[0] ? ` (first: ${tailErrors[0]})` : ''}`,
    );
    const push = all.reduce(
      (c, w) => {
        const d = diff(w.counts.after, w.counts.before, PUSH_ROUTE);
        const r = diff(w.counts.after, w.counts.before, RECORD_ROUTE);
        return { push: c.push + d.dynamo, pushes: c.pushes + d.requests, rec: c.rec + r.dynamo, recs: c.recs + r.requests };
      },
      { push: 0, pushes: 0, rec: 0, recs: 0 },
    );
    console.log(
      `  DynamoDB requests at ${target} polls/s with the writes: ${(mainTotal / main.seconds).toFixed(0)}/s in all (event functions ${(mainEvents / main.seconds).toFixed(0)}/s); per push of ${ORDERS_PER_PUSH} ${(push.push / Math.max(1, push.pushes)).toFixed(1)}, per record ${(push.rec / Math.max(1, push.recs)).toFixed(1)} (their requests, without the event functions')`,
    );
    if (best === undefined) console.log(`  no rate down to ${STEPS.at(-1)} polls/s sustained p95 under ${P95_GOAL_MS} ms`);
    else
      console.log(
        `  highest sustained: ${best.rate} polls/s, p95 ${fmt(best.p95)} = ${(best.p95 / idleP95).toFixed(2)}× the idle poll's p95 (${fmt(idleP95)}); load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${navigator.hardwareConcurrency} cores`,
      );
  } finally {
    await stack.destroy();
  }
}
