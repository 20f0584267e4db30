/** Work records in the table: load by identity, build the items of a new record, list an order's records. */
import type { StoredDocumentRef } from '../domain/bills-of-lading.ts';
import { isoMs } from '../domain/time.ts';
import type { NewRecord, RecordState, WorkRecordDocument } from '../domain/work-records.ts';
import { config } from '../shared/config.ts';
import { loadByIdentity } from './batch-get.ts';
import { bool, optionalText, text } from './item-fields.ts';
import { changePosition, changesPk, facilityPk, recordSk, recordsOfOrderPk } from './keys.ts';
import { type Item, type QueryInput, queryAll, queryPages } from './paginate.ts';
import { TABLE } from './table.ts';
import type { TransactItem } from './transact.ts';

export type { StoredDocumentRef } from '../domain/bills-of-lading.ts';

/** A stored record as the handlers read it. */
export interface StoredRecord extends RecordState {
  doc: WorkRecordDocument;
  orderStatus: string;
  documents: StoredDocumentRef[];
}

/** The transaction action that creates a record (never overwrites one: a racing twin loses). */
export function recordPut({ state, doc, documents }: NewRecord): TransactItem {
  const json = JSON.stringify(doc);
  const receivedAt = isoMs(state.receivedAt);
  const position = changePosition(receivedAt, state.agency, state.number);
  return {
    Put: {
      TableName: config().tableName,
      Item: {
        [TABLE.partitionKey]: facilityPk(state.facilityId),
        [TABLE.sortKey]: recordSk(state.agency, state.number),
        [TABLE.changesIndex.partitionKey]: changesPk(state.facilityId, 'RECORDS'),
        [TABLE.changesIndex.sortKey]: position,
        [TABLE.recordsByOrderIndex.partitionKey]: recordsOfOrderPk(state.facilityId, state.orderAgency, state.orderNumber),
        [TABLE.recordsByOrderIndex.sortKey]: position,
        kind: 'record',
        facilityId: state.facilityId,
        agency: state.agency,
        number: state.number,
        doc: json,
        size: Buffer.byteLength(json),
        contentHash: state.contentHash,
        orderAgency: state.orderAgency,
        orderNumber: state.orderNumber,
        orderMatched: state.orderMatched,
        orderStatus: doc.orderStatus,
        receivedAt,
        documents: JSON.stringify(documents),
        // No `aggregated`: what it moves is derived afterwards (store/derive-store.ts), not by this transaction.
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    },
  };
}

/** A stored record from its item. */
export function recordFromItem(item: Item): StoredRecord {
  return {
    facilityId: text(item, 'facilityId'),
    agency: text(item, 'agency'),
    number: text(item, 'number'),
    contentHash: text(item, 'contentHash'),
    orderAgency: text(item, 'orderAgency'),
    orderNumber: text(item, 'orderNumber'),
    orderMatched: bool(item, 'orderMatched'),
    receivedAt: Date.parse(text(item, 'receivedAt')),
    doc: JSON.parse(text(item, 'doc')) as WorkRecordDocument,
    orderStatus: text(item, 'orderStatus'),
    documents: JSON.parse(optionalText(item, 'documents') ?? '[]') as StoredDocumentRef[],
  };
}

/** The stored records among these identities, by identityKey. */
export function loadRecords(
  facilityId: string,
  identities: readonly { agency: string; number: string }[],
): Promise<Map<string, StoredRecord>> {
  return loadByIdentity(facilityPk(facilityId), identities, recordSk, recordFromItem);
}

/** The Query of the records index for one order: its records, or (`count`) only how many. */
function recordsOfOrderQuery(facilityId: string, agency: string, number: string, count: boolean): QueryInput {
  const { name, partitionKey } = TABLE.recordsByOrderIndex;
  return {
    IndexName: name,
    KeyConditionExpression: '#p = :p',
    ExpressionAttributeNames: { '#p': partitionKey },
    ExpressionAttributeValues: { ':p': recordsOfOrderPk(facilityId, agency, number) },
    ...(count ? { Select: 'COUNT' as const } : {}),
  };
}

/** Every record reported for an order (matched when submitted or not), oldest first; `fromItem` reads each item (default: as StoredRecord). */
export function recordsOfOrder(facilityId: string, orderAgency: string, orderNumber: string): Promise<StoredRecord[]>;
export function recordsOfOrder<T>(facilityId: string, orderAgency: string, orderNumber: string, fromItem: (item: Item) => T): Promise<T[]>;
export function recordsOfOrder<T>(
  facilityId: string,
  orderAgency: string,
  orderNumber: string,
  fromItem: (item: Item) => T = recordFromItem as unknown as (item: Item) => T,
): Promise<T[]> {
  return queryAll(recordsOfOrderQuery(facilityId, orderAgency, orderNumber, false), fromItem);
}

/** How many records report on an order (a COUNT Query: no record is read). */
export async function countRecordsOfOrder(facilityId: string, orderAgency: string, orderNumber: string): Promise<number> {
  let count = 0;
  for await (const page of queryPages(recordsOfOrderQuery(facilityId, orderAgency, orderNumber, true))) count += page.count;
  return count;
}
