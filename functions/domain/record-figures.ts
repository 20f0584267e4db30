/**
 * What a work record's revision adds to the figures derived from records — the order's status,
 * consumption and stock — and the difference between the revision counted and the latest one.
 * Pure: the derive engine (use-cases/derive-records.ts) reads what is counted, this module says
 * what to write so that every record counts its latest revision exactly once.
 *
 * A record's contribution (`RecordFigures`) is kept with the revision it counts, so it can be
 * taken back exactly whatever the code that computed it: the consumption inputs (the document
 * stripped to what the aggregates read), the stock movements as they were written, and the
 * status it reported to its order.
 */
import { type AggregateDelta, consumptionDeltas, recordTime } from './consumption.ts';
import { identityKey } from './documents.ts';
import type { LotEntry, LotEntryHashes, LotEntryRef, LotRef } from './lots.ts';
import {
  type Balance,
  type BalanceChange,
  dispensedMovements,
  type Movement,
  type MovementsByBalance,
  movementChanges,
  type StockKey,
  stockKeyId,
} from './stock.ts';
import type { OrderState, OrderStatus, OrderWrite } from './work-orders.ts';
import type { ReportedStatus, WorkRecordDocument } from './work-records.ts';

/** What a record says of its order: what it reported, or that it was voided (it reports nothing then). */
export type RecordReport = ReportedStatus | 'voided';

/** One revision's contribution to the derived figures. */
export interface RecordFigures {
  order: { agency: string; number: string };
  report: RecordReport;
  /** The document reduced to what the consumption aggregates read (null: it counts nothing). */
  consumption: WorkRecordDocument | null;
  /** The stock movements it makes, one per dispensed product line. */
  movements: { key: StockKey; movement: Movement }[];
}

/** A record head as the engine reads it: its latest revision. */
export interface RecordRevision {
  agency: string;
  number: string;
  doc: WorkRecordDocument;
  /** Voided: the record stays (its zeros are its document) but counts nothing. */
  voided: boolean;
  /** When the hub received it: the movements' date when the record names none. */
  receivedAt: number;
}

interface ProductLine {
  identifier: { agency: string; number: string; name?: unknown }[];
  actualQuantity?: { value: number; uom: string };
}

/** The document reduced to what consumptionDeltas reads (a derived item keeps this, not the whole record). */
function consumptionInputs(doc: WorkRecordDocument): WorkRecordDocument {
  const d = doc as unknown as Record<string, unknown>;
  const groups = ((doc.productGroup ?? []) as { product: ProductLine[] }[]).map((g) => ({
    product: g.product
      .filter((p) => p.identifier[0] && p.actualQuantity)
      .map((p) => ({ identifier: [p.identifier[0]!], actualQuantity: p.actualQuantity })),
  }));
  return {
    workOrderIdentifier: doc.workOrderIdentifier,
    ...(d.dispensingEndDateTime === undefined ? {} : { dispensingEndDateTime: d.dispensingEndDateTime }),
    ...(d.workRecordCreationDateTime === undefined ? {} : { workRecordCreationDateTime: d.workRecordCreationDateTime }),
    productGroup: groups.filter((g) => g.product.length > 0),
  } as unknown as WorkRecordDocument;
}

/** The contribution of a record's revision. */
export function recordFigures(revision: RecordRevision): RecordFigures {
  const { doc } = revision;
  const order = { agency: doc.workOrderIdentifier.agency, number: doc.workOrderIdentifier.number };
  if (revision.voided) return { order, report: 'voided', consumption: null, movements: [] };
  const at = recordTime(doc) ?? revision.receivedAt;
  const movements = [...dispensedMovements([{ record: doc, at }]).values()].flatMap(({ key, movements }) =>
    movements.map((movement) => ({ key, movement })),
  );
  return { order, report: doc.orderStatus, consumption: consumptionInputs(doc), movements };
}

/** What one record moves, from the contribution counted (null: nothing yet) to the latest. */
export interface FiguresStep {
  agency: string;
  number: string;
  counted: RecordFigures | null;
  latest: RecordFigures;
}

/** Consumption deltas of a group of steps, merged per aggregate item (what cancels out is left out). */
export function consumptionDiff(steps: readonly FiguresStep[]): AggregateDelta[] {
  const docs: WorkRecordDocument[] = [];
  const signs: (1 | -1)[] = [];
  for (const { counted, latest } of steps) {
    if (counted?.consumption) {
      docs.push(counted.consumption);
      signs.push(-1);
    }
    if (latest.consumption) {
      docs.push(latest.consumption);
      signs.push(1);
    }
  }
  return consumptionDeltas(docs, signs);
}

const sameMovements = (a: readonly Movement[], b: readonly Movement[]) =>
  a.length === b.length && a.every((m, i) => JSON.stringify(m) === JSON.stringify(b[i]));

/**
 * Ledger lines of a group of steps per balance: for a balance a record moves differently, the
 * reversal of each movement counted (the same line with its sign turned) and each new
 * movement; a balance it moves as before gets no line.
 */
export function stockDiff(steps: readonly FiguresStep[]): MovementsByBalance {
  const out: MovementsByBalance = new Map();
  for (const { counted, latest } of steps) {
    const keys = new Map<string, StockKey>();
    for (const { key } of [...(counted?.movements ?? []), ...latest.movements]) keys.set(stockKeyId(key), key);
    for (const [id, key] of keys) {
      const before = (counted?.movements ?? []).filter((m) => stockKeyId(m.key) === id).map((m) => m.movement);
      const after = latest.movements.filter((m) => stockKeyId(m.key) === id).map((m) => m.movement);
      if (sameMovements(before, after)) continue;
      const slot = out.get(id) ?? { key, movements: [] };
      slot.movements.push(...before.map((m) => ({ ...m, value: negate(m.value) })), ...after);
      out.set(id, slot);
    }
  }
  return out;
}

const negate = (value: string) => (value.startsWith('-') ? value.slice(1) : value === '0' ? value : `-${value}`);

/** The balance changes of a stock diff on the balances read. */
export const stockChanges = (diff: MovementsByBalance, balances: ReadonlyMap<string, Balance>): BalanceChange[] =>
  movementChanges(diff, balances);

/** What the records of an order report, by record identity (identityKey of the record). */
export type OrderReports = Record<string, RecordReport>;

/** The key of a record in an order's reports. */
export const reportKey = (agency: string, number: string) => identityKey(agency, number);

/** The furthest status the reports move an order to: complete before inProgress; null when none moves it (cancelled reports and voids move nothing). */
export function reportedStatus(reports: OrderReports): 'inProgress' | 'complete' | null {
  const values = Object.values(reports);
  if (values.includes('complete')) return 'complete';
  if (values.includes('inProgress')) return 'inProgress';
  return null;
}

const BY_RECORDS: ReadonlySet<OrderStatus> = new Set(['inProgress', 'complete']);

/**
 * The status an order had before records moved it: what it holds now when records have not
 * moved it; else what was kept when they first did; else (orders moved before it was kept) an
 * order last held by the ERP was on hold, an acknowledged one is what the acknowledgement said,
 * any other open.
 */
export function statusBeforeRecords(order: OrderState): OrderStatus {
  if (!BY_RECORDS.has(order.status)) return order.status;
  if (order.statusBeforeRecords) return order.statusBeforeRecords;
  if (order.lastErpChange === 'hold') return 'onHold';
  const ack = (order.acknowledgement as { acknowledgeWorkOrderStatusCode?: unknown } | undefined)?.acknowledgeWorkOrderStatusCode;
  return ack === 'accepted' || ack === 'rejected' ? ack : 'open';
}

/**
 * The order after its records' reports changed: the status recomputed from the records that
 * are not voided (a cancelled order stays cancelled; none left → the status before the first
 * record), the reports and that earlier status kept on it. Null when nothing changes.
 */
export function orderWithReports(order: OrderState, reports: OrderReports, now: number): OrderState | null {
  const before = statusBeforeRecords(order);
  const moved = reportedStatus(reports);
  const status: OrderStatus = order.status === 'cancelled' ? 'cancelled' : (moved ?? before);
  const same =
    status === order.status &&
    order.recordReports !== undefined &&
    JSON.stringify(sortedReports(order.recordReports)) === JSON.stringify(sortedReports(reports));
  if (same) return null;
  return {
    ...order,
    status,
    recordReports: sortedReports(reports),
    ...(BY_RECORDS.has(status) ? { statusBeforeRecords: before } : { statusBeforeRecords: undefined }),
    updatedAt: status === order.status ? order.updatedAt : Math.max(now, order.updatedAt),
  };
}

const sortedReports = (reports: OrderReports): OrderReports =>
  Object.fromEntries(Object.entries(reports).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** How many transaction actions the figures of a group of steps write, besides one per record and one per order. */
export function figureActions(steps: readonly FiguresStep[], actionsPerBalance: number): number {
  return consumptionDiff(steps).length + stockDiff(steps).size * actionsPerBalance;
}

/** A record head as the engine reads it: its latest revision, and whether its first was counted by the transaction that created it. */
export interface RecordHead extends RecordRevision {
  /** The latest revision's number (1 for records written before revisions). */
  revision: number;
  /** Written before the engine: its first revision's figures were applied when it was created. */
  aggregated: boolean;
  /** The head carries the pending-derive marker (store: the recordsPendingDerive index); the step that counts its revision removes it. */
  pending?: boolean;
}

/** What a record's figures count: a revision (0: nothing) and what it added. */
export interface DerivedState {
  revision: number;
  figures: RecordFigures | null;
  /** The lot index entries the counted revision wrote (key → content hash); absent: none written (records derived before the lot index). */
  lots?: LotEntryHashes;
}

/** What a derive step writes to the lot index (domain/lots.ts). */
export interface LotIndexWrite {
  /** Entries new or changed; each names its record in `data.record`. */
  puts: readonly LotEntry[];
  /** Entries of the revisions replaced that the latest ones no longer have. */
  deletes: readonly { record: { agency: string; number: string }; entry: LotEntryRef }[];
  /** Lots this facility had not been seen with before (the cross-facility and agency-less lookups). */
  seen: readonly LotRef[];
}

/** An early report to write: what records reported for an order the hub does not know yet. */
export interface EarlyReportWrite {
  agency: string;
  number: string;
  records: OrderReports;
  /** The version read (0: none kept yet). */
  expectedVersion: number;
}

/** Everything one derive step writes, all or nothing. */
export interface DerivedWrite {
  facilityId: string;
  /** Each record's new derived state, conditioned on the revision read (null: the item was absent). */
  records: readonly { agency: string; number: string; expectedRevision: number | null; state: DerivedState }[];
  orders: readonly OrderWrite[];
  earlyReports: readonly EarlyReportWrite[];
  consumption: readonly AggregateDelta[];
  stock: readonly BalanceChange[];
  lots: LotIndexWrite;
  /** Record heads whose pending-derive marker this step removes: only while the head is still at this revision. */
  markers: readonly { agency: string; number: string; revision: number }[];
}

/** The lot backfill's write (use-cases/index-lots.ts): one record's lot entries with its derived state remembering them, all or nothing. */
export interface RecordLotsWrite {
  facilityId: string;
  record: { agency: string; number: string };
  /** The derived state's revision read (null: none stored, a record written before the engine). */
  expectedRevision: number | null;
  state: DerivedState;
  lots: LotIndexWrite;
}
