/**
 * Consumption report: the aggregate items of the pieces the range's whole slots split into
 * (periods × products, never the records), and the records dated in the partial slots at its
 * edges (none when from and to are on slot edges), summed exactly per product, day or order
 * (domain/consumption.ts). A range longer than its grouping allows is a 400 before anything is
 * read (checkReportRange).
 */
import {
  type AggregateItem,
  type AggregateRead,
  type ConsumptionQuery,
  type ConsumptionRow,
  checkReportRange,
  consumptionRows,
  type EdgeRecord,
  type RollupSet,
  reportPlan,
} from '../domain/consumption.ts';

export interface ConsumptionStore {
  /** The aggregate items of these ranges (kind, level, periods), numbers as exact text. */
  readAggregates(facilityId: string, reads: readonly AggregateRead[]): Promise<AggregateItem[]>;
  /**
   * The facility's records whose latest revision is dated (domain recordTime) in [fromMs, toMs),
   * voided ones included (marked): each record's current head, once.
   */
  readRecordsDated(facilityId: string, fromMs: number, toMs: number): Promise<EdgeRecord[]>;
  /** Which roll-ups reports may read: `legacy` until every boundary and year item has been built from the older levels. */
  rollups(): Promise<RollupSet>;
}

export async function getConsumption(
  store: ConsumptionStore,
  { facilityId, query }: { facilityId: string; query: ConsumptionQuery },
): Promise<ConsumptionRow[]> {
  checkReportRange(query);
  const plan = reportPlan(query, await store.rollups());
  // The aggregates and the (at most two) edges side by side.
  const [items, ...edges] = await Promise.all([
    plan.reads.length > 0 ? store.readAggregates(facilityId, plan.reads) : Promise.resolve([]),
    ...plan.edges.map((edge) => store.readRecordsDated(facilityId, edge.start, edge.end)),
  ]);
  return consumptionRows(items, plan, edges.flat());
}
