/**
 * Order summaries (search): the Queries of the partitions that answer the query, merged newest
 * first into one page, with each order's record count (read with the order; a COUNT on the records
 * index only for an order stored before the count was kept). Reads no poller state, writes nothing.
 */
import {
  mergePages,
  type PartitionPage,
  pageBounds,
  type SummaryItem,
  type SummaryPartition,
  type SummaryQuery,
  summaryPartitions,
} from '../domain/summaries.ts';

export interface SummaryStore {
  querySummaries(
    facilityId: string,
    partition: SummaryPartition,
    bounds: { lo: string; hi: string; exclude: string | null },
    limit: number,
  ): Promise<PartitionPage<SummaryItem>>;
  countRecords(facilityId: string, orders: readonly { agency: string; number: string }[]): Promise<number[]>;
}

export interface WorkOrderSummary {
  workOrderNumber: string;
  agency: string;
  status: string;
  revision: number;
  createdAt: string;
  modifiedAt: string;
  acknowledgement: 'accepted' | 'rejected' | null;
  records: number;
}

/** The acknowledgement's status of a stored order (null: none yet, or since the last change). */
function acknowledgementOf(item: SummaryItem): WorkOrderSummary['acknowledgement'] {
  if (item.acknowledgement === undefined) return null;
  const code = (item.acknowledgement as { acknowledgeWorkOrderStatusCode?: string }).acknowledgeWorkOrderStatusCode;
  return code === 'accepted' || code === 'rejected' ? code : null;
}

/** One page of summaries after `after` (the previous page's last position; null: the first page). */
export async function listWorkOrderSummaries(
  store: SummaryStore,
  { facilityId, query, after }: { facilityId: string; query: SummaryQuery; after: string | null },
): Promise<{ summaries: WorkOrderSummary[]; next: string | null }> {
  const bounds = pageBounds(query, after);
  const pages = await Promise.all(summaryPartitions(query).map((p) => store.querySummaries(facilityId, p, bounds, query.limit)));
  const { items, next } = mergePages(pages, query.limit);
  // The count kept with each order; counted on the records index only for orders kept before it was.
  const uncounted = items.filter((i) => i.records === undefined);
  const counted =
    uncounted.length === 0
      ? []
      : await store.countRecords(
          facilityId,
          uncounted.map((i) => ({ agency: i.agency, number: i.number })),
        );
  const counts = new Map(uncounted.map((item, i) => [item, counted[i]!]));
  const summaries = items.map((item) => ({
    workOrderNumber: item.number,
    agency: item.agency,
    status: item.status,
    revision: item.revision,
    createdAt: item.createdAt,
    modifiedAt: item.modifiedAt,
    acknowledgement: acknowledgementOf(item),
    records: item.records ?? counts.get(item)!,
  }));
  return { summaries, next };
}
