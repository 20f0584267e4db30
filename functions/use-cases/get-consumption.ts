/**
 * Consumption report: the aggregate items of the pieces the range splits into (periods ×
 * products, never the records), summed exactly per product, day or order (domain/consumption.ts).
 * A range longer than its grouping allows is a 400 before anything is read (checkReportRange).
 */
import {
  type AggregateItem,
  type AggregateRead,
  type ConsumptionQuery,
  type ConsumptionRow,
  checkReportRange,
  consumptionRows,
  reportPlan,
} from '../domain/consumption.ts';

export interface ConsumptionStore {
  readAggregates(facilityId: string, reads: readonly AggregateRead[]): Promise<AggregateItem[]>;
}

export async function getConsumption(
  store: ConsumptionStore,
  { facilityId, query }: { facilityId: string; query: ConsumptionQuery },
): Promise<ConsumptionRow[]> {
  checkReportRange(query);
  const plan = reportPlan(query);
  return consumptionRows(await store.readAggregates(facilityId, plan.reads), plan);
}
