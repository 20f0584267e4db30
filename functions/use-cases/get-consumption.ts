/**
 * Consumption report: the aggregate items of the months the range touches (months × products,
 * never the records), summed exactly per product, day or order (domain/consumption.ts).
 */
import { type AggregateItem, type ConsumptionQuery, type ConsumptionRow, consumptionRows, monthsOf } from '../domain/consumption.ts';

export interface ConsumptionStore {
  readAggregates(facilityId: string, kind: 'product' | 'order', first: string, last: string): Promise<AggregateItem[]>;
}

export async function getConsumption(
  store: ConsumptionStore,
  { facilityId, query }: { facilityId: string; query: ConsumptionQuery },
): Promise<ConsumptionRow[]> {
  const { first, last } = monthsOf(query.from, query.to);
  const items = await store.readAggregates(facilityId, query.groupBy === 'order' ? 'order' : 'product', first, last);
  return consumptionRows(items, query);
}
