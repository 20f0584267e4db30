/** Work records in the table: load by identity, build a record's head (new or corrected) and its kept revisions, list an order's records. */
import type { StoredDocumentRef } from '../domain/bills-of-lading.ts';
import type { Extras } from '../domain/legacy-form.ts';
import {
  type RecordHeadState,
  type RecordHeadWrite,
  type RecordRevision,
  type RecordStatus,
  type RevisionOutcome,
  readHistory,
} from '../domain/record-revisions.ts';
import { isoMs } from '../domain/time.ts';
import type { NewRecord, WorkRecordDocument } from '../domain/work-records.ts';
import { config } from '../shared/config.ts';
import { loadByIdentity } from './batch-get.ts';
import { bool, num, optionalNum, optionalText, text } from './item-fields.ts';
import {
  changePosition,
  changesPk,
  facilityPk,
  pendingDerivePk,
  recordNumberPrefix,
  recordRevisionSk,
  recordSk,
  recordsOfOrderPk,
} from './keys.ts';
import { type Item, type QueryInput, queryAll, queryPages } from './paginate.ts';
import { recordTimeIndex } from './record-time-index.ts';
import { TABLE } from './table.ts';
import type { TransactItem } from './transact.ts';

export type { StoredDocumentRef } from '../domain/bills-of-lading.ts';

export type { RecordHeadWrite, RecordRevision } from '../domain/record-revisions.ts';

/** A stored record as the handlers read it: its latest revision (the head item; revision 1, active, for records stored before revisions existed). */
export interface StoredRecord extends RecordHeadState {
  orderStatus: string;
}

/**
 * THE item of a record's head, for a new record and for a correction alike: the latest
 * revision's document and state, its changes-index position at the time of that revision (so
 * the records poll and webhooks serve a corrected record again), its place among its order's
 * records at the time it was first received, its entry by record time (record-time-index.ts), and
 * the pending-derive marker (the lot trace's view of
 * a revision whose derived figures are not written yet; the derive engine removes it).
 */
function recordHeadItem(head: RecordHeadWrite): Item {
  const { state, doc, documents } = head;
  const json = JSON.stringify(doc);
  const receivedAt = isoMs(state.receivedAt);
  const modifiedAt = isoMs(head.modifiedAt);
  return {
    [TABLE.partitionKey]: facilityPk(state.facilityId),
    [TABLE.sortKey]: recordSk(state.agency, state.number),
    [TABLE.changesIndex.partitionKey]: changesPk(state.facilityId, 'RECORDS'),
    [TABLE.changesIndex.sortKey]: changePosition(modifiedAt, state.agency, state.number),
    [TABLE.recordsByOrderIndex.partitionKey]: recordsOfOrderPk(state.facilityId, state.orderAgency, state.orderNumber),
    [TABLE.recordsByOrderIndex.sortKey]: changePosition(receivedAt, state.agency, state.number),
    // The latest revision's record time (a correction that moves it moves the entry): the edges of consumption reports.
    ...recordTimeIndex(state.facilityId, doc, state.agency, state.number),
    [TABLE.recordsPendingDeriveIndex.partitionKey]: pendingDerivePk(state.facilityId),
    [TABLE.recordsPendingDeriveIndex.sortKey]: changePosition(modifiedAt, state.agency, state.number),
    kind: 'record',
    facilityId: state.facilityId,
    agency: state.agency,
    number: state.number,
    doc: json,
    size: Buffer.byteLength(json),
    // What the canonical form cannot hold of the record, as sent in the older form.
    ...(head.extras?.length ? { extras: JSON.stringify(head.extras) } : {}),
    contentHash: state.contentHash,
    orderAgency: state.orderAgency,
    orderNumber: state.orderNumber,
    orderMatched: state.orderMatched,
    orderStatus: doc.orderStatus,
    receivedAt,
    modifiedAt,
    revision: head.revision,
    recordStatus: head.recordStatus,
    history: JSON.stringify(head.history),
    ...(head.keyId !== null ? { keyId: head.keyId } : {}),
    documents: JSON.stringify(documents),
    // Only records stored before the derive engine carry it: their creating transaction counted revision 1.
    ...(head.countedAtCreation ? { aggregated: true } : {}),
  };
}

/** The transaction action that creates a record (never overwrites one: a racing twin loses). */
export function recordPut(record: NewRecord): TransactItem {
  const keyId = record.keyId ?? null;
  const at = record.state.receivedAt;
  return {
    Put: {
      TableName: config().tableName,
      Item: recordHeadItem({
        ...record,
        revision: 1,
        recordStatus: 'active',
        history: [{ revision: 1, at: isoMs(at), outcome: 'created', keyId, reason: null }],
        modifiedAt: at,
        keyId,
      }),
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    },
  };
}

/**
 * The transaction action that writes a record's next revision over its head, only while the
 * head is still at `previous` (a head without a revision is revision 1): of two racing
 * corrections, one wins.
 */
export function recordHeadPut(head: RecordHeadWrite, previous: number): TransactItem {
  return {
    Put: {
      TableName: config().tableName,
      Item: recordHeadItem(head),
      ConditionExpression:
        previous === 1 ? 'attribute_exists(#pk) AND (attribute_not_exists(#rev) OR #rev = :rev)' : 'attribute_exists(#pk) AND #rev = :rev',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#rev': 'revision' },
      ExpressionAttributeValues: { ':rev': previous },
    },
  };
}

/** The transaction action that keeps a superseded revision (written once: a racing correction loses). */
export function recordRevisionPut(facilityId: string, agency: string, number: string, rev: RecordRevision): TransactItem {
  const json = JSON.stringify(rev.doc);
  return {
    Put: {
      TableName: config().tableName,
      Item: {
        [TABLE.partitionKey]: facilityPk(facilityId),
        [TABLE.sortKey]: recordRevisionSk(agency, number, rev.revision),
        kind: 'recordRevision',
        facilityId,
        agency,
        number,
        revision: rev.revision,
        doc: json,
        size: Buffer.byteLength(json),
        ...(rev.extras?.length ? { extras: JSON.stringify(rev.extras) } : {}),
        documents: JSON.stringify(rev.documents),
        contentHash: rev.contentHash,
        at: isoMs(rev.at),
        ...(rev.keyId !== null ? { keyId: rev.keyId } : {}),
        outcome: rev.outcome,
        ...(rev.reason !== null ? { reason: rev.reason } : {}),
        recordStatus: rev.recordStatus,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    },
  };
}

/** A record item's extras (none on items stored without any, and before they were kept). */
const extrasOf = (item: Item): { extras?: Extras } => (typeof item.extras === 'string' ? { extras: JSON.parse(item.extras) } : {});

function revisionFromItem(item: Item): RecordRevision {
  return {
    revision: num(item, 'revision'),
    doc: JSON.parse(text(item, 'doc')) as WorkRecordDocument,
    ...extrasOf(item),
    documents: JSON.parse(text(item, 'documents')) as StoredDocumentRef[],
    contentHash: text(item, 'contentHash'),
    at: Date.parse(text(item, 'at')),
    keyId: optionalText(item, 'keyId') ?? null,
    outcome: text(item, 'outcome') as RevisionOutcome,
    reason: optionalText(item, 'reason') ?? null,
    recordStatus: text(item, 'recordStatus') as RecordStatus,
  };
}

/** A stored record from its item (items written before revisions existed read as revision 1, active). */
export function recordFromItem(item: Item): StoredRecord {
  const receivedAt = Date.parse(text(item, 'receivedAt'));
  const keyId = optionalText(item, 'keyId') ?? null;
  const modifiedAt = optionalText(item, 'modifiedAt');
  return {
    facilityId: text(item, 'facilityId'),
    agency: text(item, 'agency'),
    number: text(item, 'number'),
    contentHash: text(item, 'contentHash'),
    orderAgency: text(item, 'orderAgency'),
    orderNumber: text(item, 'orderNumber'),
    orderMatched: bool(item, 'orderMatched'),
    receivedAt,
    doc: JSON.parse(text(item, 'doc')) as WorkRecordDocument,
    ...extrasOf(item),
    orderStatus: text(item, 'orderStatus'),
    documents: JSON.parse(optionalText(item, 'documents') ?? '[]') as StoredDocumentRef[],
    revision: optionalNum(item, 'revision') ?? 1,
    recordStatus: (optionalText(item, 'recordStatus') as RecordStatus | undefined) ?? 'active',
    history: readHistory(optionalText(item, 'history'), receivedAt, keyId),
    modifiedAt: modifiedAt === undefined ? receivedAt : Date.parse(modifiedAt),
    keyId,
    ...(item.aggregated === true ? { countedAtCreation: true } : {}),
  };
}

/** A record's head, strongly consistent; null when unknown. */
export async function loadRecord(facilityId: string, agency: string, number: string): Promise<StoredRecord | null> {
  return (await loadRecords(facilityId, [{ agency, number }])).values().next().value ?? null;
}

/** The records of a facility with this number (one, or several when agencies share it), strongly consistent. */
export function findRecords(facilityId: string, number: string, agency?: string): Promise<StoredRecord[]> {
  if (agency !== undefined) return loadRecord(facilityId, agency, number).then((r) => (r ? [r] : []));
  return queryAll(
    {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': facilityPk(facilityId), ':prefix': recordNumberPrefix(number) },
      ConsistentRead: true,
    },
    recordFromItem,
  );
}

/** The superseded revisions of a record, oldest first. */
export function recordRevisions(facilityId: string, agency: string, number: string): Promise<RecordRevision[]> {
  return queryAll(
    {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': facilityPk(facilityId), ':prefix': recordRevisionSk(agency, number, 0).slice(0, -6) },
      ConsistentRead: true,
    },
    revisionFromItem,
  );
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
