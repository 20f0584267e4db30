/**
 * Order summaries in memory (the port of use-cases/list-work-order-summaries.ts): each order
 * sits in the partitions of the real indexes (every status by modification time; by status and
 * modification or creation time) at the same positions, newest first, with its record count:
 * kept with the order (`records`, as current code keeps it) or, for an order kept before, counted
 * on demand (`countedOrders` says how many orders were, as the table's COUNT Queries would).
 */
import type { PartitionPage, SummaryItem, SummaryPartition } from '../../../functions/domain/summaries.ts';
import { changePosition } from '../../../functions/store/keys.ts';
import type { SummaryStore } from '../../../functions/use-cases/list-work-order-summaries.ts';

export function memorySummaryStore() {
  const orders: SummaryItem[] = [];
  const records = new Map<string, number>();
  const key = (agency: string, number: string) => `${agency}#${number}`;
  const store = {
    /** Thrown by the next Query instead of answering (a storage failure). */
    failNext: null as Error | null,
    /** How many orders countRecords was asked for (one COUNT Query each on the table). */
    countedOrders: 0,
    add(order: SummaryItem, recordCount = 0) {
      orders.push(order);
      records.set(key(order.agency, order.number), recordCount);
    },
    async querySummaries(
      _facility: string,
      partition: SummaryPartition,
      bounds: { lo: string; hi: string; exclude: string | null },
      limit: number,
    ): Promise<PartitionPage<SummaryItem>> {
      const failure = store.failNext;
      store.failNext = null;
      if (failure) throw failure;
      const axis = partition.kind === 'allModified' ? 'modified' : partition.axis;
      const inPartition = orders
        .filter((o) => partition.kind === 'allModified' || o.status === partition.status)
        .map((item) => ({
          position: changePosition(axis === 'created' ? item.createdAt : item.modifiedAt, item.agency, item.number),
          item,
        }))
        .filter(({ position }) => bounds.lo <= position && position <= bounds.hi && position !== bounds.exclude)
        .sort((a, b) => (a.position < b.position ? 1 : -1));
      return { items: inPartition.slice(0, limit), more: inPartition.length > limit };
    },
    async countRecords(_facility: string, list: readonly { agency: string; number: string }[]) {
      store.countedOrders += list.length;
      return list.map((o) => records.get(key(o.agency, o.number)) ?? 0);
    },
  };
  return store satisfies SummaryStore;
}
