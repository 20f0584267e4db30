/**
 * The change streams as documents: a changes-index item read back as its kind's stored
 * document (what use-cases/polled-kinds.ts serves), and where a changed item sits in a
 * facility's stream (the webhook dispatcher's reading of the table's stream records).
 */
import type { MasterState } from '../domain/master-data.ts';
import type { Window } from '../domain/poll-window.ts';
import type { OrderState } from '../domain/work-orders.ts';
import { type PageLimits, readStream } from './change-stream.ts';
import { changesPartition, type Stream } from './keys.ts';
import { masterFromItem } from './master-data-store.ts';
import { orderFromItem } from './order-store.ts';
import { recordFromItem, type StoredRecord } from './record-store.ts';
import { TABLE } from './table.ts';

/** A stored document as its stream holds it: an order's state, a record, a master-data document's state. */
export type StreamDocument = OrderState | StoredRecord | MasterState;

/** The stored document of a changes-index item of this stream. */
export function streamDocument(stream: Stream, item: Record<string, unknown>): StreamDocument {
  switch (stream) {
    case 'ORDERS':
      return orderFromItem(item);
    case 'RECORDS':
      return recordFromItem(item);
    default:
      return masterFromItem(item);
  }
}

/** One page of a facility's change stream within the window, as documents, oldest change first. */
export async function readDocuments(facilityId: string, stream: Stream, window: Window, limits: PageLimits) {
  const page = await readStream(facilityId, stream, window, limits);
  return { documents: page.items.map((i) => streamDocument(stream, i)), lastPosition: page.lastPosition, truncated: page.truncated };
}

/** The changes-index keys of a table stream record, before and after (DynamoDB's attribute-value form). */
export interface ChangeImages {
  oldImage?: Record<string, { S?: string }> | undefined;
  newImage?: Record<string, { S?: string }> | undefined;
}

/**
 * The facility and stream a changed item moved in: null when it is in no change stream, or
 * still at the same position (a status change the PCS caused: nothing new to serve).
 */
export function movedInStream(change: ChangeImages): { facilityId: string; stream: string } | null {
  const { partitionKey: gpk, sortKey: gsk } = TABLE.changesIndex;
  const after = change.newImage;
  const where = changesPartition(after?.[gpk]?.S);
  if (!where || after?.[gsk]?.S === undefined || after[gsk].S === change.oldImage?.[gsk]?.S) return null;
  return where;
}
