/**
 * The consumption aggregates in memory (the port of use-cases/get-consumption.ts): records are
 * counted as the real store's ADD updates count them, and a read answers the items of its
 * ranges. `failNext` makes the next read throw (a storage failure).
 */
import { type AggregateItem, type AggregateRead, consumptionDeltas } from '../../../functions/domain/consumption.ts';
import { formatDecimal, sumDecimals } from '../../../functions/domain/decimal.ts';
import type { WorkRecordDocument } from '../../../functions/domain/work-records.ts';
import type { ConsumptionStore } from '../../../functions/use-cases/get-consumption.ts';

export function memoryConsumptionStore() {
  const facilities = new Map<string, Map<string, AggregateItem>>();
  const store = {
    /** Every read asked for, in order. */
    reads: [] as AggregateRead[][],
    /** Thrown by the next read instead of answering. */
    failNext: null as Error | null,
    /** Counts records into the facility's aggregates (what submitting them does). */
    count(facilityId: string, records: readonly WorkRecordDocument[]) {
      const items = facilities.get(facilityId) ?? new Map<string, AggregateItem>();
      facilities.set(facilityId, items);
      for (const d of consumptionDeltas(records)) {
        const id = `${d.kind}#${d.level}#${d.period}#${d.hash}`;
        const item: AggregateItem = items.get(id) ?? { kind: d.kind, level: d.level, period: d.period, attributes: {} };
        for (const [k, v] of Object.entries(d.refs)) item.attributes[k] ??= v;
        for (const [k, v] of d.adds) item.attributes[k] = sumDecimals([item.attributes[k] ?? '0', formatDecimal(v)]);
        items.set(id, item);
      }
    },
    async readAggregates(facilityId: string, reads: readonly AggregateRead[]): Promise<AggregateItem[]> {
      store.reads.push([...reads]);
      const failure = store.failNext;
      store.failNext = null;
      if (failure) throw failure;
      const items = [...(facilities.get(facilityId)?.values() ?? [])];
      return reads.flatMap((r) =>
        items
          .filter((i) => i.kind === r.kind && i.level === r.level && r.first <= i.period && i.period <= r.last)
          .map((i) => structuredClone(i)),
      );
    },
  };
  return store satisfies ConsumptionStore;
}
