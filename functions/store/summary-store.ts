/**
 * Order summaries from the table: one Query per partition of domain/summaries.ts, newest first,
 * bounded by the page's limit (never the facility's size). Each order's record count is read with
 * it (`recordCount`, kept by the derive engine); only an order kept before the count was (until
 * the backfill's `record-counts` part) is counted on the records index, one COUNT Query.
 */
import type { PartitionPage, SummaryItem, SummaryPartition } from '../domain/summaries.ts';
import { mapConcurrently } from '../shared/concurrency.ts';
import { asIndexBuilding } from './errors.ts';
import { num, optionalNum, optionalText, text } from './item-fields.ts';
import { changesPk, ordersByStatusPk } from './keys.ts';
import { queryPages } from './paginate.ts';
import { countRecordsOfOrder } from './record-store.ts';
import { TABLE } from './table.ts';

type Item = Record<string, unknown>;

/** The attributes a summary needs (the document itself is never read back). */
const SUMMARY_ATTRIBUTES = ['agency', '#n', '#s', 'revision', 'createdAt', 'modifiedAt', 'acknowledgement', 'recordCount'];

function summaryFromItem(item: Item): SummaryItem {
  const acknowledgement = optionalText(item, 'acknowledgement');
  const records = optionalNum(item, 'recordCount');
  return {
    agency: text(item, 'agency'),
    number: text(item, 'number'),
    status: text(item, 'status'),
    revision: num(item, 'revision'),
    createdAt: text(item, 'createdAt'),
    modifiedAt: text(item, 'modifiedAt'),
    ...(acknowledgement === undefined ? {} : { acknowledgement: JSON.parse(acknowledgement) as unknown }),
    ...(records === undefined ? {} : { records }),
  };
}

function indexOf(facilityId: string, partition: SummaryPartition) {
  if (partition.kind === 'allModified') return { index: TABLE.changesIndex, pk: changesPk(facilityId, 'ORDERS') };
  const index = partition.axis === 'created' ? TABLE.ordersByStatusCreatedIndex : TABLE.ordersByStatusModifiedIndex;
  return { index, pk: ordersByStatusPk(facilityId, partition.status) };
}

/** Up to `limit` summaries of one partition with positions in [lo, hi] (not `exclude`), newest first. */
export async function querySummaries(
  facilityId: string,
  partition: SummaryPartition,
  bounds: { lo: string; hi: string; exclude: string | null },
  limit: number,
): Promise<PartitionPage<SummaryItem>> {
  const { index, pk } = indexOf(facilityId, partition);
  const items: { position: string; item: SummaryItem }[] = [];
  const pages = queryPages(
    {
      IndexName: index.name,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
      ProjectionExpression: [...SUMMARY_ATTRIBUTES, '#sk'].join(', '),
      ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey, '#n': 'number', '#s': 'status' },
      ExpressionAttributeValues: { ':pk': pk, ':lo': bounds.lo, ':hi': bounds.hi },
      ScanIndexForward: false,
    },
    // One more than the page, and the cursor's own item, tell whether more remain.
    { limit: () => limit + 2 - items.length },
  );
  let more = false;
  try {
    for await (const page of pages) {
      for (const item of page.items) {
        const position = text(item, index.sortKey);
        if (position !== bounds.exclude) items.push({ position, item: summaryFromItem(item) });
      }
      more = page.more;
      if (items.length > limit) break;
    }
  } catch (e) {
    asIndexBuilding(e, index.name);
  }
  more ||= items.length > limit;
  return { items: items.slice(0, limit), more };
}

/** COUNT Queries of one page of summaries in flight at once. */
const COUNT_CONCURRENCY = 16;

/** How many records report on each of these orders (one COUNT Query per order on the records index, a few at a time): orders without a kept count only. */
export async function countRecords(facilityId: string, orders: readonly { agency: string; number: string }[]): Promise<number[]> {
  return mapConcurrently(orders, COUNT_CONCURRENCY, ({ agency, number }) => countRecordsOfOrder(facilityId, agency, number));
}
