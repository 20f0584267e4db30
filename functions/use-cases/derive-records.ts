/**
 * Use case: the derive engine. Brings the figures derived from work records — the order's
 * status, consumption aggregates, stock balances and their ledger — to each record's latest
 * revision, exactly once.
 *
 * Per record a derived-state item says which revision its figures count and what that revision
 * added (domain/record-figures.ts). Deriving a record reads its head (its latest revision) and
 * that item, and writes the difference in one transaction together with the item's update,
 * conditioned on the item still counting the revision read (or being absent): a replay, a
 * resend or a racing applier that lost finds the item moved on, reads again, and adds nothing
 * twice. Several records share a transaction when it holds them (deltas merged per item); a
 * lost race is read again in smaller groups.
 *
 * Records written before the engine (`aggregated` set, no derived item) had every figure of
 * their first revision applied by the transaction that created them: they count revision 1.
 *
 * The lot index (domain/lots.ts) is one more derived figure: the step writes the latest
 * revision's entries that are new or changed and removes those of the counted revision that are
 * gone, and removes the head's pending-derive marker while the head is still at the revision
 * counted (a correction meanwhile makes the step lose its race and read again).
 */
import { identityKey } from '../domain/documents.ts';
import { isConcurrentChange } from '../domain/errors.ts';
import { type LotEntryHashes, type LotRef, lotEntries, lotIndexStep, lotKey, lotsOf } from '../domain/lots.ts';
import {
  consumptionDiff,
  type DerivedState,
  type DerivedWrite,
  type EarlyReportWrite,
  type FiguresStep,
  type OrderReports,
  orderWithReports,
  type RecordHead,
  recordFigures,
  reportKey,
  stockDiff,
} from '../domain/record-figures.ts';
import { type Balance, movementChanges, type StockKey } from '../domain/stock.ts';
import type { OrderSlots, OrderWrite } from '../domain/work-orders.ts';
import type { WorkRecordDocument } from '../domain/work-records.ts';

type Identity = { agency: string; number: string };

export type { DerivedState, DerivedWrite, EarlyReportWrite, RecordHead };

/** The reads and writes of the engine, in the domain's terms (store/derive-store.ts; a memory store in unit tests). */
export interface DerivedFiguresStore {
  /** The record heads among these identities (strongly consistent), by identityKey. */
  loadHeads(facilityId: string, identities: readonly Identity[]): Promise<ReadonlyMap<string, RecordHead>>;
  /** The derived states among these identities (strongly consistent), by identityKey. */
  loadDerived(facilityId: string, identities: readonly Identity[]): Promise<ReadonlyMap<string, DerivedState>>;
  /** A record's first revision (a record corrected since keeps it apart from its head); null when unknown. */
  loadFirstRevision(facilityId: string, identity: Identity): Promise<WorkRecordDocument | null>;
  /** What the table holds at these orders' keys (strongly consistent): orders and early reports. */
  loadOrderSlots(facilityId: string, identities: readonly Identity[]): Promise<OrderSlots>;
  /** What every record naming this order reports now (orders and early reports kept before the reports were). */
  reportsOfOrder(facilityId: string, identity: Identity): Promise<OrderReports>;
  /** The stored balances among these keys (strongly consistent), by stockKeyId. */
  loadBalances(facilityId: string, keys: readonly StockKey[]): Promise<ReadonlyMap<string, Balance>>;
  /** Which of these lots the facility has been seen with already (by lotKey). */
  loadSeenLots(facilityId: string, lots: readonly LotRef[]): Promise<ReadonlySet<string>>;
  /** How many actions a write needs, and how many one atomic write may hold. */
  actions(write: DerivedWrite): number;
  readonly maxActions: number;
  /** Writes all or nothing; a condition that no longer holds throws ConcurrentChangeError. */
  save(write: DerivedWrite): Promise<void>;
}

export interface DeriveOptions {
  /** Read-apply rounds before what is left is left to the stream. @default 5 */
  rounds?: number;
  /** Records one transaction starts with. @default 25 */
  groupSize?: number;
  /** Waits between rounds (jittered backoff); tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /**
   * No round or group starts at or after this instant (epoch ms): a request derives within its
   * time and leaves the rest to the stream, rather than running out of time after its records
   * are stored. @default no limit
   */
  deadline?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Derives these records' figures up to their latest revisions. Answers how many records it
 * moved (`counted`) and how many it could not within its rounds or its deadline (`pending`: lost
 * races every time, or out of time; the stream's recordDerive function finishes them). Throws only what is not a race.
 */
export async function deriveRecords(
  store: DerivedFiguresStore,
  facilityId: string,
  identities: readonly Identity[],
  options: DeriveOptions = {},
): Promise<{ counted: number; pending: number }> {
  const { rounds = 5, sleep = defaultSleep, now = Date.now, deadline = Number.POSITIVE_INFINITY } = options;
  const inTime = () => now() < deadline;
  let groupSize = Math.max(1, options.groupSize ?? 25);
  const pending = new Map(identities.map((i) => [identityKey(i.agency, i.number), { agency: i.agency, number: i.number }]));
  let counted = 0;
  // Records whose one step needs more than one atomic write holds: left pending (the stream
  // retries, then parks the change in its dead-letter queue, alarmed), never holding up the others.
  const tooLarge = new Set<string>();
  for (let round = 1; round <= rounds && pending.size > tooLarge.size && inTime(); round++) {
    if (round > 1) await sleep(Math.floor(Math.random() * 25 * 2 ** round));
    if (!inTime()) break;
    const steps = await readSteps(
      store,
      facilityId,
      [...pending.entries()].filter(([id]) => !tooLarge.has(id)).map(([, i]) => i),
    );
    for (const id of pending.keys()) if (!steps.has(id) && !tooLarge.has(id)) pending.delete(id);
    let lost = false;
    for (const group of groups([...steps.values()], groupSize)) {
      if (!inTime()) break;
      try {
        const large = await applyGroup(store, facilityId, group, now());
        for (const id of large) tooLarge.add(id);
        counted += group.length - large.length;
        for (const s of group) {
          const id = identityKey(s.step.agency, s.step.number);
          if (!tooLarge.has(id)) pending.delete(id);
        }
      } catch (e) {
        if (!isConcurrentChange(e)) throw e;
        lost = true;
      }
    }
    if (lost) groupSize = Math.max(1, Math.floor(groupSize / 2));
  }
  return { counted, pending: pending.size };
}

interface PlannedStep {
  step: FiguresStep;
  /** The derived item's revision read (null: absent). */
  expectedRevision: number | null;
  revision: number;
  /** The head read: its latest revision (its lot entries) and whether it carries the pending marker. */
  head: RecordHead;
  /** The lot entries the counted revision wrote (absent: none). */
  countedLots: LotEntryHashes | undefined;
}

/** The records whose latest revision is not counted yet, with what is counted and what the latest adds. */
async function readSteps(store: DerivedFiguresStore, facilityId: string, identities: Identity[]): Promise<Map<string, PlannedStep>> {
  const [heads, derived] = await Promise.all([store.loadHeads(facilityId, identities), store.loadDerived(facilityId, identities)]);
  const out = new Map<string, PlannedStep>();
  for (const identity of identities) {
    const id = identityKey(identity.agency, identity.number);
    const head = heads.get(id);
    if (!head) continue;
    const stored = derived.get(id);
    let counted: DerivedState;
    if (stored) counted = stored;
    else if (head.aggregated) {
      const first = head.revision <= 1 ? head.doc : await store.loadFirstRevision(facilityId, identity);
      if (!first) throw new Error(`record ${identity.number} (${identity.agency}): its first revision is missing`);
      counted = { revision: 1, figures: recordFigures({ ...head, doc: first, voided: false }) };
    } else counted = { revision: 0, figures: null };
    // Only forward: an applier that read an older head than the one already counted has nothing to do.
    if (head.revision <= counted.revision) continue;
    out.set(id, {
      step: { agency: identity.agency, number: identity.number, counted: counted.figures, latest: recordFigures(head) },
      expectedRevision: stored ? stored.revision : null,
      revision: head.revision,
      head,
      countedLots: stored?.lots,
    });
  }
  return out;
}

/** Steps in groups of at most `size` (one transaction each, if it holds them). */
function groups<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes one group's difference (split in halves while it needs more actions than one
 * transaction holds); answers the records whose step alone needs more (written: none of them).
 */
async function applyGroup(store: DerivedFiguresStore, facilityId: string, group: PlannedStep[], now: number): Promise<string[]> {
  const write = await planWrite(store, facilityId, group, now);
  if (store.actions(write) > store.maxActions) {
    if (group.length === 1) return [identityKey(group[0]!.step.agency, group[0]!.step.number)];
    const half = Math.ceil(group.length / 2);
    return [
      ...(await applyGroup(store, facilityId, group.slice(0, half), now)),
      ...(await applyGroup(store, facilityId, group.slice(half), now)),
    ];
  }
  await store.save(write);
  return [];
}

/** The write of one group: derived items, orders' reports, merged consumption deltas, balances with their ledger lines. */
async function planWrite(store: DerivedFiguresStore, facilityId: string, group: PlannedStep[], now: number): Promise<DerivedWrite> {
  const steps = group.map((g) => g.step);
  // Reports per order: a record leaves the order it named before (a correction may name another) and reports to its latest.
  const changes = new Map<string, { order: Identity; set: Map<string, OrderReports[string] | null> }>();
  const change = (order: Identity) => {
    const id = identityKey(order.agency, order.number);
    let c = changes.get(id);
    if (!c) {
      c = { order, set: new Map() };
      changes.set(id, c);
    }
    return c;
  };
  for (const { agency, number, counted, latest } of steps) {
    const key = reportKey(agency, number);
    if (counted && identityKey(counted.order.agency, counted.order.number) !== identityKey(latest.order.agency, latest.order.number)) {
      change(counted.order).set.set(key, null);
    }
    change(latest.order).set.set(key, latest.report);
  }
  const slots = await store.loadOrderSlots(
    facilityId,
    [...changes.values()].map((c) => c.order),
  );
  const orders: OrderWrite[] = [];
  const earlyReports: EarlyReportWrite[] = [];
  for (const [id, { order, set }] of changes) {
    const known = slots.orders.get(id);
    const early = slots.early.get(id);
    // Kept on the order (or its early report) when they name every record of the order; else, once,
    // what every record naming it reports now (the records index), complete from then on: the
    // summaries read the order's record count from these reports (OrderState.reportsComplete).
    const complete = known ? known.reportsComplete === true : early?.complete === true;
    const stored = known ? known.recordReports : early?.records;
    const base = complete ? (stored ?? {}) : await store.reportsOfOrder(facilityId, order);
    const reports: OrderReports = { ...base };
    for (const [key, report] of set) {
      if (report === null) delete reports[key];
      else reports[key] = report;
    }
    if (known) {
      const next = orderWithReports(known, reports, now);
      if (next) orders.push({ next: { ...next, reportsComplete: true }, expectedVersion: known.version });
    } else if (!complete || JSON.stringify(early?.records) !== JSON.stringify(reports)) {
      // Kept for when the ERP creates the order, even by records that move nothing: the order created over it counts them.
      earlyReports.push({ agency: order.agency, number: order.number, records: reports, expectedVersion: early?.version ?? 0 });
    }
  }
  const consumption = consumptionDiff(steps);
  const movements = stockDiff(steps);
  const balances =
    movements.size === 0
      ? new Map<string, Balance>()
      : await store.loadBalances(
          facilityId,
          [...movements.values()].map((m) => m.key),
        );
  // The lot index: each record's entries of its latest revision in place of those of the revision counted.
  const lotSteps = group.map((g) => lotIndexStep(g.countedLots, lotEntries(g.head)));
  const puts = lotSteps.flatMap((l) => l.puts);
  const lots = lotsOf(puts);
  const seen = lots.length === 0 ? new Set<string>() : await store.loadSeenLots(facilityId, lots);
  return {
    facilityId,
    records: group.map((g, i) => ({
      agency: g.step.agency,
      number: g.step.number,
      expectedRevision: g.expectedRevision,
      state: { revision: g.revision, figures: g.step.latest, lots: lotSteps[i]!.hashes },
    })),
    orders,
    earlyReports,
    consumption,
    stock: movementChanges(movements, balances),
    lots: {
      puts,
      deletes: group.flatMap((g, i) =>
        lotSteps[i]!.deletes.map((entry) => ({ record: { agency: g.step.agency, number: g.step.number }, entry })),
      ),
      seen: lots.filter((l) => !seen.has(lotKey(l))),
    },
    markers: group.filter((g) => g.head.pending).map((g) => ({ agency: g.step.agency, number: g.step.number, revision: g.revision })),
  };
}
