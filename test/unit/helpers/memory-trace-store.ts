/**
 * The reads of a lot trace in memory (the port of functions/use-cases/trace-lots.ts), over a
 * memory derived store: its lot index entries, its record heads (those still marked pending are
 * the pending-derive index), receipts and orders put by the test.
 */
import { identityKey } from '../../../functions/domain/documents.ts';
import { type LotReceipt, type LotRef, lotKey } from '../../../functions/domain/lots.ts';
import type { TraceStore } from '../../../functions/use-cases/trace-lots.ts';
import type { memoryDerivedStore } from './memory-derived-store.ts';

export function memoryTraceStore(derived: ReturnType<typeof memoryDerivedStore>, facilityId: string) {
  const receipts = new Map<string, LotReceipt[]>();
  const orders = new Map<string, { parties?: unknown }>();
  /** Lots seen by receipts (the engine's seen lots come from the derived store). */
  const seenByReceipts = new Map<string, LotRef>();
  const heads = () => [...derived.heads.values()].map((h) => structuredClone(h));
  const store = {
    receipts,
    orders,
    /** A receipt of a lot, as the receipts use case writes it. */
    addReceipt(lot: LotRef, receipt: LotReceipt) {
      receipts.set(lotKey(lot), [...(receipts.get(lotKey(lot)) ?? []), receipt]);
      seenByReceipts.set(lotKey(lot), lot);
    },
    async readLotPartition(_f: string, lot: LotRef) {
      const entries = derived.entries().filter((e) => e.kind !== 'unlotted' && e.agency === lot.agency && e.number === lot.number);
      return {
        uses: entries.filter((e) => e.kind === 'use').map((e) => structuredClone(e.data)),
        made: entries.filter((e) => e.kind === 'made').map((e) => structuredClone(e.data)),
        receipts: structuredClone(receipts.get(lotKey(lot)) ?? []),
      };
    },
    async readUnlotted(_f: string, c: { agency: string; number: string }, from: string, to: string | null) {
      return derived
        .entries()
        .filter((e) => e.kind === 'unlotted' && e.agency === c.agency && e.number === c.number)
        .filter((e) => e.data.dispensedAt >= from && (to === null || e.data.dispensedAt <= to))
        .map((e) => structuredClone(e.data));
    },
    async readLotSeen(number: string, f?: string) {
      const lots = [...derived.entries().filter((e) => e.kind !== 'unlotted'), ...seenByReceipts.values()].filter(
        (l) => l.number === number,
      );
      const agencies = [...new Set(lots.map((l) => l.agency))];
      return f === undefined || f === facilityId ? agencies.map((agency) => ({ facilityId, agency })) : [];
    },
    async readPendingHeads() {
      return heads().filter((h) => h.pending);
    },
    async loadRecordHeads(_f: string, ids: readonly { agency: string; number: string }[]) {
      const wanted = new Set(ids.map((i) => identityKey(i.agency, i.number)));
      return heads().filter((h) => wanted.has(identityKey(h.agency, h.number)));
    },
    async findRecordHeads(_f: string, number: string, agency: string | null) {
      return heads().filter((h) => h.number === number && (agency === null || h.agency === agency));
    },
    async loadOrderDocs(_f: string, ids: readonly { agency: string; number: string }[]) {
      return new Map(
        ids.flatMap((i) =>
          orders.has(identityKey(i.agency, i.number))
            ? [[identityKey(i.agency, i.number), orders.get(identityKey(i.agency, i.number))!]]
            : [],
        ),
      );
    },
  };
  return store satisfies TraceStore;
}
