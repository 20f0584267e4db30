/**
 * The consumption aggregates and record heads in memory (the port of use-cases/get-consumption.ts):
 * a record's latest revision is counted as the derive engine counts it (record-figures.ts: what
 * was counted taken back, the latest added, a voided record nothing), its head kept for the
 * edges of a report; a read answers the items of its ranges, or the heads dated in a range.
 * `failNext` makes the next read throw (a storage failure).
 */
import {
  type AggregateItem,
  type AggregateRead,
  type EdgeRecord,
  type RollupSet,
  recordTime,
} from '../../../functions/domain/consumption.ts';
import { formatDecimal, sumDecimals } from '../../../functions/domain/decimal.ts';
import { consumptionDiff, type RecordFigures, recordFigures } from '../../../functions/domain/record-figures.ts';
import type { WorkRecordDocument } from '../../../functions/domain/work-records.ts';
import type { ConsumptionStore } from '../../../functions/use-cases/get-consumption.ts';

interface Facility {
  items: Map<string, AggregateItem>;
  heads: Map<string, { head: EdgeRecord; counted: RecordFigures }>;
}

export function memoryConsumptionStore() {
  const facilities = new Map<string, Facility>();
  const facility = (id: string): Facility => {
    let found = facilities.get(id);
    if (!found) {
      found = { items: new Map(), heads: new Map() };
      facilities.set(id, found);
    }
    return found;
  };
  const store = {
    /** Every aggregate read asked for, in order. */
    reads: [] as AggregateRead[][],
    /** Every record read asked for, in order: [from, to). */
    recordReads: [] as [number, number][],
    /** Thrown by the next read instead of answering. */
    failNext: null as Error | null,
    /** The roll-ups reports may read (`legacy`: a table whose boundary and year items are not built yet). */
    rollupSet: 'current' as RollupSet,
    /**
     * A record's latest revision (a new record, a correction, a void): its head replaced, and its
     * figures brought from what was counted to this revision, as the derive engine does.
     */
    write(facilityId: string, head: EdgeRecord) {
      const f = facility(facilityId);
      const id = JSON.stringify([head.agency, head.number]);
      const latest = recordFigures({ ...head, receivedAt: 0 });
      const counted = f.heads.get(id)?.counted ?? null;
      for (const d of consumptionDiff([{ agency: head.agency, number: head.number, counted, latest }])) {
        const key = `${d.kind}#${d.level}#${d.period}#${d.hash}`;
        const item: AggregateItem = f.items.get(key) ?? { kind: d.kind, level: d.level, period: d.period, attributes: {} };
        for (const [k, v] of Object.entries(d.refs)) item.attributes[k] ??= v;
        for (const [k, v] of d.adds) item.attributes[k] = sumDecimals([item.attributes[k] ?? '0', formatDecimal(v)]);
        f.items.set(key, item);
      }
      f.heads.set(id, { head: structuredClone(head), counted: latest });
    },
    /** Counts new records (what submitting them does), each under its workRecordIdentifier. */
    count(facilityId: string, records: readonly WorkRecordDocument[]) {
      for (const doc of records) {
        const { agency, number } = (doc as { workRecordIdentifier: { agency: string; number: string } }).workRecordIdentifier;
        store.write(facilityId, { agency, number, doc, voided: false });
      }
    },
    async readAggregates(facilityId: string, reads: readonly AggregateRead[]): Promise<AggregateItem[]> {
      store.reads.push([...reads]);
      const failure = store.failNext;
      store.failNext = null;
      if (failure) throw failure;
      const items = [...(facilities.get(facilityId)?.items.values() ?? [])];
      return reads.flatMap((r) =>
        items
          .filter((i) => i.kind === r.kind && i.level === r.level && r.first <= i.period && i.period <= r.last)
          .map((i) => structuredClone(i))
          // A projection, as DynamoDB's: only the attributes named that the item has.
          .map((i) =>
            r.attributes === undefined
              ? i
              : { ...i, attributes: Object.fromEntries(Object.entries(i.attributes).filter(([k]) => r.attributes!.includes(k))) },
          ),
      );
    },
    async rollups(): Promise<RollupSet> {
      return store.rollupSet;
    },
    async readRecordsDated(facilityId: string, fromMs: number, toMs: number): Promise<EdgeRecord[]> {
      store.recordReads.push([fromMs, toMs]);
      const failure = store.failNext;
      store.failNext = null;
      if (failure) throw failure;
      return [...(facilities.get(facilityId)?.heads.values() ?? [])]
        .map(({ head }) => head)
        .filter((head) => {
          const t = recordTime(head.doc);
          return t !== null && fromMs <= t && t < toMs;
        })
        .map((head) => structuredClone(head));
    },
  };
  return store satisfies ConsumptionStore;
}
