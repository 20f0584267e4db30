/**
 * The facilities overview's counters, pure: what one change of the table's stream does to its
 * facility's figures. An order counts as open until it is cancelled, complete or rejected; each
 * change moves the open count by the difference between the order's old and new image, applied
 * exactly once (store/facility-stats-store.ts conditions it on the change's stream sequence).
 */
import type { OrderStatus } from './work-orders.ts';

/** Statuses in which an order no longer waits for the plant. */
const CLOSED: readonly string[] = ['cancelled', 'complete', 'rejected'] satisfies readonly OrderStatus[];

export const isOpenOrder = (status: unknown): boolean => typeof status === 'string' && !CLOSED.includes(status);

/** +1 an order opened (created), -1 it closed, 0 otherwise. */
export function openDelta(oldStatus: unknown, newStatus: unknown): number {
  return (newStatus === undefined ? 0 : Number(isOpenOrder(newStatus))) - (oldStatus === undefined ? 0 : Number(isOpenOrder(oldStatus)));
}

/** The counter shard of an order: concurrent changes of different orders rarely meet on one item. */
export function shardOf(key: string, shards: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % shards;
}

/** A stream sequence number as text that sorts as the number does (they are decimal, at most 40 digits). */
export const sortableSequence = (sequenceNumber: string): string => sequenceNumber.padStart(40, '0');
