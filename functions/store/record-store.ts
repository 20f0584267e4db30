/** Work records in the table: load by identity, build the items of a new record, list an order's records. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isoMs } from '../domain/time.ts';
import type { RecordState, WorkRecordDocument } from '../domain/work-records.ts';
import { config } from '../shared/config.ts';
import { loadByIdentity } from './batch-get.ts';
import { dynamoClient } from './clients.ts';
import { changePosition, changesPk, facilityPk, recordSk, recordsOfOrderPk } from './keys.ts';
import { TABLE } from './table.ts';
import type { TransactItem } from './transact.ts';

type Item = Record<string, unknown>;

/** A document the hub stores for a record, as listed with the record and the order. */
export interface StoredDocumentRef {
  documentId: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  documentType?: string;
}

/** A stored record as the handlers read it. */
export interface StoredRecord extends RecordState {
  doc: WorkRecordDocument;
  orderStatus: string;
  documents: StoredDocumentRef[];
}

/** The transaction action that creates a record (never overwrites one: a racing twin loses). */
export function recordPut(state: RecordState, doc: WorkRecordDocument, documents: StoredDocumentRef[]): TransactItem {
  const text = JSON.stringify(doc);
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
        doc: text,
        size: Buffer.byteLength(text),
        contentHash: state.contentHash,
        orderAgency: state.orderAgency,
        orderNumber: state.orderNumber,
        orderMatched: state.orderMatched,
        orderStatus: doc.orderStatus,
        receivedAt,
        documents: JSON.stringify(documents),
        // Counted into the consumption aggregates by this same transaction (backfill skips it).
        aggregated: true,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    },
  };
}

/** A stored record from its item. */
export function recordFromItem(item: Item): StoredRecord {
  return {
    facilityId: item.facilityId as string,
    agency: item.agency as string,
    number: item.number as string,
    contentHash: item.contentHash as string,
    orderAgency: item.orderAgency as string,
    orderNumber: item.orderNumber as string,
    orderMatched: item.orderMatched as boolean,
    receivedAt: Date.parse(item.receivedAt as string),
    doc: JSON.parse(item.doc as string) as WorkRecordDocument,
    orderStatus: item.orderStatus as string,
    documents: JSON.parse((item.documents as string | undefined) ?? '[]') as StoredDocumentRef[],
  };
}

/** The stored records among these identities, by identityKey. */
export function loadRecords(
  facilityId: string,
  identities: readonly { agency: string; number: string }[],
): Promise<Map<string, StoredRecord>> {
  return loadByIdentity(facilityPk(facilityId), identities, recordSk, recordFromItem);
}

/** The pages of the records index for one order: its records, or (`count`) only how many. */
async function* recordsOfOrderPages(facilityId: string, agency: string, number: string, count: boolean) {
  const { name, partitionKey } = TABLE.recordsByOrderIndex;
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: config().tableName,
        IndexName: name,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': partitionKey },
        ExpressionAttributeValues: { ':p': recordsOfOrderPk(facilityId, agency, number) },
        ...(count ? { Select: 'COUNT' as const } : {}),
        ExclusiveStartKey,
      }),
    );
    yield page;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/** Every record reported for an order (matched when submitted or not), oldest first. */
export async function recordsOfOrder(facilityId: string, orderAgency: string, orderNumber: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const page of recordsOfOrderPages(facilityId, orderAgency, orderNumber, false)) {
    out.push(...(page.Items ?? []).map(recordFromItem));
  }
  return out;
}

/** How many records report on an order (a COUNT Query: no record is read). */
export async function countRecordsOfOrder(facilityId: string, orderAgency: string, orderNumber: string): Promise<number> {
  let count = 0;
  for await (const page of recordsOfOrderPages(facilityId, orderAgency, orderNumber, true)) count += page.Count ?? 0;
  return count;
}
