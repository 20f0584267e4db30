/**
 * The polling soak: concurrent ERP writers (creates, updates, holds, cancels) and PCS pollers
 * with skewed clocks, each with its own key, against a running local stack. At the end,
 * every poller must hold the final version of every order. Used by the bounded test in
 * `npm test` and by the longer run in `npm run bench`, which prints its figures.
 */

import { type OrderType, workOrder } from './documents.ts';
import { client, type LocalStack, sleep } from './local-stack.ts';

export interface PollerSpec {
  name: string;
  /** The poller's clock minus the hub's, ms. */
  skewMs: number;
  intervalMs: number;
  /** Follows Link: rel="next" at once (else waits for its next poll). */
  followLinks: boolean;
  /** Share of answers the poller "loses" (drops unread, keeps its previous time). */
  lossRate?: number;
}

/**
 * What the soak writes and polls: work orders by default, or another polled kind (the plant
 * master data): its route, envelope, how a document of a number is written with a marker,
 * and how the hub's final version of each is read.
 */
export interface SoakKind {
  /** The route under /facility/{f}: POST pushes, GET polls. */
  route: string;
  envelope: string;
  /** The change a writer makes: `create` for a new number, else one of the kind's changes. */
  document(number: string, change: { roll: number; seq: number; marker: string; create: boolean }): unknown;
  numberOf(doc: any): string;
  markerOf(doc: any): string;
  /** True for a served document that ends the thing (cancelled orders). */
  isEnd(doc: any): boolean;
  /** The number a push result names. */
  resultNumber(result: any): string;
  /** Every document as the hub holds it now, by number. */
  truth(erp: ReturnType<typeof client>, facility: string, numbers: readonly string[]): Promise<Map<string, Held>>;
}

/** Work orders: creates, updates, holds and cancels. */
export const ORDER_SOAK: SoakKind = {
  route: 'dispensingWorkorders',
  envelope: 'dispensingWorkOrder',
  document(number, { roll, seq, marker, create }) {
    const type: OrderType = create ? 'create' : roll < 70 ? 'update' : roll < 85 ? 'hold' : 'cancel';
    return workOrder(number, { type, quantity: 1000 + seq, note: marker });
  },
  numberOf: (doc) => doc.workOrderIdentifier.number,
  markerOf: (doc) => String(doc.groupDescription),
  isEnd: (doc) => doc.workOrderType === 'cancel',
  resultNumber: (result) => result.workOrderNumber,
  async truth(erp, facility, numbers) {
    const truth = new Map<string, Held>();
    for (const number of numbers) {
      const r = await erp.get(`/facility/${facility}/dispensingWorkorders/${encodeURIComponent(number)}`);
      if (r.status !== 200) throw new Error(`order ${number}: ${r.status}`);
      truth.set(number, { marker: String(r.body.workOrder.groupDescription), end: r.body.status === 'cancelled' });
    }
    return truth;
  },
};

export interface SoakOptions {
  facility: string;
  /** What is written and polled (default work orders). */
  kind?: SoakKind;
  durationMs: number;
  writers: number;
  pollers: PollerSpec[];
  /** The stack's settle delay (ms), for the tail wait. */
  settleMs: number;
  /** Pause between a writer's requests. */
  writerPauseMs?: number;
  /**
   * Keep writing past `durationMs` until at least this many orders exist (a loaded machine
   * writes fewer in the same time), for at most a minute more.
   */
  minOrders?: number;
}

export interface PollerReport {
  name: string;
  skewMs: number;
  polls: number;
  served: number;
  missing: string[];
  stale: string[];
  /** Documents served per change made (below 1 when changes to an order fold into one delivery). */
  redelivery: number;
  /** Documents served per distinct version served (1.0: no version arrived twice). */
  repeats: number;
  /** ms from a change's acknowledged push to its first delivery to this poller. */
  delays: number[];
}

export interface SoakReport {
  orders: number;
  changes: number;
  writerErrors: string[];
  pollers: PollerReport[];
}

interface Held {
  marker: string;
  /** The thing has ended (a cancelled order). */
  end: boolean;
}

/** Runs the soak and reports; asserts nothing itself. */
export async function runSoak(stack: LocalStack, options: SoakOptions): Promise<SoakReport> {
  const { facility } = options;
  const kind = options.kind ?? ORDER_SOAK;
  const erp = client(stack.baseUrl, await stack.createKey('erp', [facility], ['--name', 'soak ERP']));
  const path = `/facility/${facility}/${kind.route}`;
  const pollerKeys = await Promise.all(options.pollers.map((p) => stack.createKey('pcs', [facility], ['--name', `soak ${p.name}`])));

  const created: string[] = [];
  const changedAt = new Map<string, number>();
  const writerErrors: string[] = [];
  let changes = 0;
  let writing = true;
  /** Set once the writers have stopped and their last changes have settled. */
  let settledAt = Infinity;
  const deadline = () => Date.now() > settledAt + 30_000;

  // Pollers: initial load first, then by their own clocks.
  const pollerRuns = options.pollers.map(async (spec, i) => {
    const api = client(stack.baseUrl, pollerKeys[i]!);
    const held = new Map<string, Held>();
    const firstSeen = new Map<string, number>();
    let last: string | null = null;
    let polls = 0;
    let served = 0;
    let seq = 0;
    let emptyAfterSettle = 0;
    // Polls until two answers after the writers' last change settled came back empty.
    while (emptyAfterSettle < 2 && !deadline()) {
      const startedAt = Date.now();
      let delivered = 0;
      const callTime = new Date(Date.now() + spec.skewMs).toISOString();
      let url = last === null ? path : `${path}?lastExecutionDateTime=${encodeURIComponent(last)}`;
      let ok = true;
      for (;;) {
        const r = await api.get(url);
        polls++;
        if (r.status !== 200) throw new Error(`poller ${spec.name}: ${r.status} ${r.text}`);
        // A lost answer: the poller never reads it and keeps its previous time.
        if (spec.lossRate && ((seq++ * 7919) % 1000) / 1000 < spec.lossRate) {
          ok = false;
          break;
        }
        const now = Date.now();
        for (const doc of r.body[kind.envelope] as any[]) {
          served++;
          delivered++;
          const marker = kind.markerOf(doc);
          held.set(kind.numberOf(doc), { marker, end: kind.isEnd(doc) });
          if (!firstSeen.has(marker)) firstSeen.set(marker, now);
        }
        const next = spec.followLinks ? /<([^>]+)>; rel="next"/.exec(r.headers.get('link') ?? '')?.[1] : undefined;
        if (!next) break;
        url = next.slice(stack.baseUrl.length);
      }
      if (ok) last = callTime;
      if (ok && startedAt > settledAt) emptyAfterSettle = delivered === 0 ? emptyAfterSettle + 1 : 0;
      await sleep(spec.intervalMs);
    }
    return { spec, held, firstSeen, polls, served };
  });

  // Let every poller finish its initial load before the writers start.
  await sleep(Math.max(...options.pollers.map((p) => p.intervalMs)) + 200);

  const writerRuns = Array.from({ length: options.writers }, async (_, w) => {
    let seq = 0;
    let own = 0;
    while (writing) {
      const docs = [];
      const count = 1 + (seq % 3);
      const used = new Set<string>();
      for (let d = 0; d < count; d++) {
        const roll = (seq * 37 + d * 11 + w * 5) % 100;
        const create = created.length < 5 || roll < 30;
        const number = create ? `SOAK-${w}-${own++}` : created[(seq * 13 + d * 7 + w) % created.length]!;
        if (used.has(number)) continue;
        used.add(number);
        docs.push(kind.document(number, { roll, seq, marker: `w${w}-${seq}-${d}`, create }));
      }
      seq++;
      const r = await erp.post(path, { [kind.envelope]: docs });
      const at = Date.now();
      if (r.status === 200) {
        for (const [k, res] of (r.body.results as { outcome: string }[]).entries()) {
          if (res.outcome === 'unchanged') continue;
          changes++;
          changedAt.set(kind.markerOf(docs[k]), at);
          if (res.outcome === 'created') created.push(kind.resultNumber(res));
        }
      } else if (r.status !== 404 && r.status !== 409) {
        writerErrors.push(`${r.status} ${r.text.slice(0, 200)}`);
      }
      if (options.writerPauseMs) await sleep(options.writerPauseMs);
    }
  });

  await sleep(options.durationMs);
  const enoughBy = Date.now() + 60_000;
  while (created.length < (options.minOrders ?? 0) && Date.now() < enoughBy) await sleep(100);
  writing = false;
  await Promise.all(writerRuns);
  settledAt = Date.now() + options.settleMs;
  const results = await Promise.all(pollerRuns);

  // The truth: every order as the hub holds it now.
  const truth = await kind.truth(erp, facility, created);

  const pollers = results.map(({ spec, held, firstSeen, polls, served }) => {
    const missing: string[] = [];
    const stale: string[] = [];
    for (const [number, want] of truth) {
      const got = held.get(number);
      if (!got) missing.push(number);
      else if (got.marker !== want.marker || want.end !== got.end) stale.push(number);
    }
    const delays = [...firstSeen.entries()].filter(([m]) => changedAt.has(m)).map(([m, t]) => t - changedAt.get(m)!);
    const repeats = firstSeen.size ? served / firstSeen.size : 0;
    return {
      name: spec.name,
      skewMs: spec.skewMs,
      polls,
      served,
      missing,
      stale,
      redelivery: changes ? served / changes : 0,
      repeats,
      delays,
    };
  });
  return { orders: truth.size, changes, writerErrors, pollers };
}

/** The usual cast: clocks from 10 minutes behind to 10 minutes ahead, one that loses answers, one that follows links. */
export function skewedPollers(intervalMs: number): PollerSpec[] {
  const MIN = 60_000;
  return [
    { name: 'right clock', skewMs: 0, intervalMs, followLinks: false },
    { name: '10 min behind', skewMs: -10 * MIN, intervalMs, followLinks: false },
    { name: '2 min behind, loses 10%', skewMs: -2 * MIN, intervalMs: intervalMs / 2, followLinks: false, lossRate: 0.1 },
    { name: '3 min ahead, follows links', skewMs: 3 * MIN, intervalMs: intervalMs * 1.5, followLinks: true },
    { name: '10 min ahead', skewMs: 10 * MIN, intervalMs, followLinks: false },
  ];
}
