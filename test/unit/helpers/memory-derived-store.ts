/**
 * The derive engine's storage in memory (the port of functions/use-cases/derive-records.ts):
 * record heads and their first revisions, derived items, orders and early reports (a memory
 * order store), balances and ledger (a memory stock store) and consumption aggregates, with the
 * conditions the real transaction (functions/store/derive-store.ts) carries: a derived item at
 * the revision read (or absent), orders and early reports at the version read, balances at the
 * version read, the size of one atomic write. Hooks for racing writers and storage failures.
 */
import { addDecimal, type Decimal, formatDecimal, ZERO } from '../../../functions/domain/decimal.ts';
import { identityKey } from '../../../functions/domain/documents.ts';
import { ConcurrentChangeError } from '../../../functions/domain/errors.ts';
import { entryKey, type LotEntry, type LotRef, lotKey } from '../../../functions/domain/lots.ts';
import { type OrderReports, reportedStatus, reportKey } from '../../../functions/domain/record-figures.ts';
import type { WorkRecordDocument } from '../../../functions/domain/work-records.ts';
import { ITEMS_PER_BALANCE_CHANGE } from '../../../functions/store/stock-store.ts';
import { MAX_TRANSACTION_ITEMS } from '../../../functions/store/transact.ts';
import type { DerivedFiguresStore, DerivedState, DerivedWrite, RecordHead } from '../../../functions/use-cases/derive-records.ts';
import { memoryOrderStore } from './memory-order-store.ts';
import { memoryStockStore } from './memory-stock-store.ts';
import { meetHooks, type WriteHooks } from './write-hooks.ts';

type Identity = { agency: string; number: string };
const idOf = (i: Identity) => identityKey(i.agency, i.number);

export function memoryDerivedStore(orders = memoryOrderStore(), stock = memoryStockStore()) {
  const heads = new Map<string, RecordHead>();
  const firstRevisions = new Map<string, WorkRecordDocument>();
  const derived = new Map<string, DerivedState>();
  /** Consumption aggregates: per item (kind#level#period#hash), each attribute's exact sum. */
  const consumption = new Map<string, Map<string, Decimal>>();
  /** The lot index: each entry by its record and entry key. */
  const lotIndex = new Map<string, LotEntry>();
  /** Lots the facility has been seen with (lotKey). */
  const seenLots = new Set<string>();
  const indexKey = (record: Identity, key: string) => `${idOf(record)}|${key}`;

  const actions = (w: DerivedWrite) =>
    w.records.length +
    w.orders.length +
    w.earlyReports.length +
    w.consumption.length +
    w.stock.length * ITEMS_PER_BALANCE_CHANGE +
    w.lots.puts.length +
    w.lots.deletes.length +
    w.lots.seen.length +
    w.markers.length;

  const store = {
    heads,
    firstRevisions,
    derived,
    consumption,
    lotIndex,
    seenLots,
    orders,
    stock,
    hooks: { race: null, loseNext: 0, failNext: null } as WriteHooks,
    /** Every write applied, in order. */
    saves: [] as DerivedWrite[],
    /** Puts a record head (a new record, or a correction: its revision one more), with its pending-derive marker as every head write sets it. */
    putHead(head: RecordHead) {
      heads.set(idOf(head), structuredClone({ pending: true, ...head }));
    },
    /** The exact sum of one attribute over every aggregate item of a kind and level (a test's view of the totals). */
    total(kind: 'product' | 'order', level: string, attribute: RegExp): string {
      let sum = ZERO;
      for (const [id, adds] of consumption) {
        if (!id.startsWith(`${kind}#${level}#`)) continue;
        for (const [name, value] of adds) if (attribute.test(name)) sum = addDecimal(sum, value);
      }
      return formatDecimal(sum);
    },
    async loadHeads(_f: string, ids: readonly Identity[]) {
      const out = new Map<string, RecordHead>();
      for (const i of ids) {
        const h = heads.get(idOf(i));
        if (h) out.set(idOf(i), structuredClone(h));
      }
      return out;
    },
    async loadDerived(_f: string, ids: readonly Identity[]) {
      const out = new Map<string, DerivedState>();
      for (const i of ids) {
        const d = derived.get(idOf(i));
        if (d) out.set(idOf(i), structuredClone(d));
      }
      return out;
    },
    async loadFirstRevision(_f: string, i: Identity) {
      return structuredClone(firstRevisions.get(idOf(i)) ?? null);
    },
    loadOrderSlots: orders.loadOrderSlots,
    async reportsOfOrder(_f: string, order: Identity): Promise<OrderReports> {
      const reports: OrderReports = {};
      for (const h of heads.values()) {
        if (idOf(h.doc.workOrderIdentifier) === idOf(order))
          reports[reportKey(h.agency, h.number)] = h.voided ? 'voided' : h.doc.orderStatus;
      }
      return reports;
    },
    loadBalances: stock.loadBalances,
    async loadSeenLots(_f: string, lots: readonly LotRef[]) {
      return new Set(lots.map(lotKey).filter((k) => seenLots.has(k)));
    },
    /** The entries of the lot index, as a test reads them. */
    entries(): LotEntry[] {
      return [...lotIndex.values()];
    },
    actions,
    maxActions: MAX_TRANSACTION_ITEMS,
    async save(w: DerivedWrite) {
      meetHooks(store.hooks, actions(w));
      const lost = () => new ConcurrentChangeError();
      for (const r of w.records) if ((derived.get(idOf(r))?.revision ?? null) !== r.expectedRevision) throw lost();
      for (const o of w.orders) if ((orders.orders.get(idOf(o.next))?.version ?? 0) !== o.expectedVersion) throw lost();
      for (const e of w.earlyReports) {
        if (orders.orders.has(idOf(e)) || (orders.early.get(idOf(e))?.version ?? 0) !== e.expectedVersion) throw lost();
      }
      stock.checkBalances(w.stock);
      for (const m of w.markers) if (heads.get(idOf(m))?.revision !== m.revision) throw lost();

      for (const r of w.records) derived.set(idOf(r), structuredClone(r.state));
      for (const o of w.orders) orders.orders.set(idOf(o.next), { ...structuredClone(o.next), version: o.expectedVersion + 1 });
      for (const e of w.earlyReports) {
        orders.early.set(idOf(e), {
          status: reportedStatus(e.records),
          version: e.expectedVersion + 1,
          records: structuredClone(e.records),
          // As the table's early report carries its recordCount (store/derive-store.ts).
          complete: true,
        });
      }
      for (const d of w.consumption) {
        const id = `${d.kind}#${d.level}#${d.period}#${d.hash}`;
        const item = consumption.get(id) ?? new Map<string, Decimal>();
        for (const [name, value] of d.adds) item.set(name, addDecimal(item.get(name) ?? ZERO, value));
        consumption.set(id, item);
      }
      stock.writeBalances(w.stock);
      for (const { record, entry } of w.lots.deletes) lotIndex.delete(indexKey(record, entryKey(entry)));
      for (const e of w.lots.puts) lotIndex.set(indexKey(e.data.record, entryKey(e)), structuredClone(e));
      for (const l of w.lots.seen) seenLots.add(lotKey(l));
      for (const m of w.markers) {
        const h = heads.get(idOf(m));
        if (h) h.pending = false;
      }
      store.saves.push(w);
    },
  };
  return store satisfies DerivedFiguresStore;
}
