/**
 * Stored documents: the objects in S3 (under keys built from validated ids only) and their
 * rows in the table. A document is visible to clients only through its row with status
 * `stored`, which is written in the same transaction as the record that references it.
 *
 * The object operations live in ./s3-objects.ts and are loaded on the first request that needs
 * one: the S3 client and presigners cost more at cold init than the DynamoDB client itself
 * (docs/benchmarks.md, Cold init), and most requests of these functions never touch S3 (a record
 * without a Bill of Lading, a 404 on a document). In a function's asset it is a file of its own
 * beside the bundle, so cold init does not even read its bytes.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PresignedPost } from '@aws-sdk/s3-presigned-post';
import type { DocumentRow } from '../domain/bills-of-lading.ts';
import { ConcurrentChangeError } from '../domain/errors.ts';
import { config } from '../shared/config.ts';
import { logger } from '../shared/logger.ts';
import { dynamoClient } from './clients.ts';
import { num, optionalText, text } from './item-fields.ts';
import { documentObjectKey, documentSk, facilityPk, uploadObjectKey } from './keys.ts';
import type * as S3Objects from './s3-objects.ts';
import { TABLE } from './table.ts';
import type { TransactItem } from './transact.ts';

export type { DocumentRow, UploadCheck, UploadVersion } from '../domain/bills-of-lading.ts';

const rowKey = (facilityId: string, documentId: string) => ({
  [TABLE.partitionKey]: facilityPk(facilityId),
  [TABLE.sortKey]: documentSk(documentId),
});

/** A document's row from its item. */
function documentRowFromItem(item: Record<string, unknown>): DocumentRow {
  const status = text(item, 'status');
  if (status !== 'pending' && status !== 'stored') throw new Error(`stored document row has status "${status}"`);
  const sha256 = optionalText(item, 'sha256');
  const documentType = optionalText(item, 'documentType');
  return {
    facilityId: text(item, 'facilityId'),
    documentId: text(item, 'documentId'),
    status,
    fileName: text(item, 'fileName'),
    contentType: text(item, 'contentType'),
    extension: text(item, 'extension'),
    size: num(item, 'size'),
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(documentType === undefined ? {} : { documentType }),
    createdAt: text(item, 'createdAt'),
    keyId: text(item, 'keyId'),
  };
}

/** The row of a document at a facility, or null. */
export async function getDocumentRow(facilityId: string, documentId: string): Promise<DocumentRow | null> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: config().tableName, Key: rowKey(facilityId, documentId), ConsistentRead: true }),
  );
  return Item ? documentRowFromItem(Item) : null;
}

/** Records a pending direct upload; the row expires with its upload if no record attaches it. */
export async function putPendingUpload(row: DocumentRow): Promise<void> {
  await dynamoClient().send(
    new PutCommand({
      TableName: config().tableName,
      Item: {
        ...rowKey(row.facilityId, row.documentId),
        ...row,
        [TABLE.timeToLiveAttribute]: Math.floor(Date.now() / 1000) + 2 * 24 * 3600,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    }),
  );
}

/** The transaction action that makes a document visible as stored (new inline file, or an upload attached now). */
export function storedRowPut(row: DocumentRow, wasPending: boolean): TransactItem {
  return {
    Put: {
      TableName: config().tableName,
      Item: { ...rowKey(row.facilityId, row.documentId), ...row, status: 'stored' },
      ...(wasPending
        ? {
            ConditionExpression: '#s = :pending',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':pending': 'pending' },
          }
        : { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } }),
    },
  };
}

/** The transaction action that checks a document is still stored (attached earlier, referenced again). */
export function storedRowCheck(facilityId: string, documentId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: config().tableName,
      Key: rowKey(facilityId, documentId),
      ConditionExpression: '#s = :stored',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':stored': 'stored' },
    },
  };
}

let objects: Promise<typeof S3Objects> | undefined;
/**
 * Where the S3 side is: in a function's asset a file of its own beside the bundle (built by
 * infra/constructs/bundling.ts, LAZY_MODULES), so cold init does not even read it; from the
 * sources (npm start, tests) the module beside this one. A computed path, so esbuild leaves it out.
 */
const S3_OBJECTS = import.meta.url.endsWith('.mjs') ? './s3-objects.mjs' : './s3-objects.ts';
/** The S3 side, loaded once, on first use. */
const s3Objects = (): Promise<typeof S3Objects> => (objects ??= import(S3_OBJECTS) as Promise<typeof S3Objects>);

/** Stores an inline file's bytes, encrypted at rest, with its SHA-256 as metadata. */
export async function putDocumentObject(...args: Parameters<typeof S3Objects.putDocumentObject>): Promise<void> {
  return (await s3Objects()).putDocumentObject(...args);
}

/** Reads an uploaded object once, end to end: its size, its first bytes and its SHA-256 (s3-objects.ts). */
export async function checkUpload(...args: Parameters<typeof S3Objects.checkUpload>): Promise<S3Objects.UploadCheck> {
  return (await s3Objects()).checkUpload(...args);
}

/**
 * Moves a checked upload to its place among attached documents, exactly the checked version
 * (s3-objects.ts); `changed` when it was replaced since the check. An upload gone meanwhile was
 * attached by a racing request: a concurrent change, retried.
 */
export async function attachUploadObject(...args: Parameters<typeof S3Objects.attachUploadObject>): Promise<'attached' | 'changed'> {
  const outcome = await (await s3Objects()).attachUploadObject(...args);
  if (outcome === 'gone') throw new ConcurrentChangeError();
  return outcome;
}

/** Deletes objects without failing the request (a leftover is invisible: no stored row points at it). */
export async function deleteObjectsQuietly(keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  // A leftover is invisible (no stored row points at it): logged, never the request's failure.
  for (const { key, error } of await (await s3Objects()).deleteObjectsQuietly(keys)) logger.warn('could not delete object', { key, error });
}

/** A presigned POST for a direct upload: exactly `size` bytes of `contentType` to the upload key. */
export async function presignUpload(...args: Parameters<typeof S3Objects.presignUpload>): Promise<PresignedPost> {
  return (await s3Objects()).presignUpload(...args);
}

/** A presigned GET of a stored document, named for download (s3-objects.ts). */
export async function presignDownload(row: DocumentRow): Promise<string> {
  return (await s3Objects()).presignDownload(row);
}

/** Deletes this attempt's stored files (no row points at them), without failing the request. */
export function discardStoredFiles(facilityId: string, documentIds: readonly string[]): Promise<void> {
  return deleteObjectsQuietly(documentIds.map((id) => documentObjectKey(facilityId, id)));
}

/** Deletes the upload copies of attached uploads (they now live among the documents), without failing the request. */
export function discardUploads(facilityId: string, documentIds: readonly string[]): Promise<void> {
  return deleteObjectsQuietly(documentIds.map((id) => uploadObjectKey(facilityId, id)));
}
