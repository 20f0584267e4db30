/**
 * Stored documents: the objects in S3 (under keys built from validated ids only) and their
 * rows in the table. A document is visible to clients only through its row with status
 * `stored`, which is written in the same transaction as the record that references it.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createPresignedPost, type PresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentDisposition, DOCUMENT_LIMITS, fileTypeOf, safeFileName } from '../domain/bills-of-lading.ts';
import { dynamoClient, s3Client } from '../shared/clients.ts';
import { config } from '../shared/config.ts';
import { logger } from '../shared/logger.ts';
import { documentObjectKey, documentSk, facilityPk, uploadObjectKey } from './keys.ts';
import { TABLE } from './table.ts';
import { ConcurrentChangeError, type TransactItem } from './transact.ts';

/** A document's row. */
export interface DocumentRow {
  facilityId: string;
  documentId: string;
  status: 'pending' | 'stored';
  fileName: string;
  contentType: string;
  extension: string;
  /** Declared size for a pending upload, actual size once stored. */
  size: number;
  sha256?: string;
  documentType?: string;
  createdAt: string;
  /** The key that asked for the upload or sent the inline file. */
  keyId: string;
}

const rowKey = (facilityId: string, documentId: string) => ({
  [TABLE.partitionKey]: facilityPk(facilityId),
  [TABLE.sortKey]: documentSk(documentId),
});

/** The row of a document at a facility, or null. */
export async function getDocumentRow(facilityId: string, documentId: string): Promise<DocumentRow | null> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: config().tableName, Key: rowKey(facilityId, documentId), ConsistentRead: true }),
  );
  if (!Item) return null;
  const { pk: _pk, sk: _sk, expiresAt: _e, ...row } = Item;
  return row as DocumentRow;
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

/** Stores an inline file's bytes, encrypted at rest, with its SHA-256 as metadata. */
export async function putDocumentObject(
  facilityId: string,
  documentId: string,
  bytes: Buffer,
  contentType: string,
  sha256: string,
): Promise<void> {
  await s3Client().send(
    new PutObjectCommand({
      Bucket: config().bucketName,
      Key: documentObjectKey(facilityId, documentId),
      Body: bytes,
      ContentType: contentType,
      ContentLength: bytes.length,
      ServerSideEncryption: 'AES256',
      Metadata: { sha256 },
    }),
  );
}

/**
 * Which object a check read: its ETag, and its version id where the bucket keeps versions (it
 * does on AWS; the local emulator has none). The copy that attaches an upload names these, so
 * it copies exactly the bytes that were checked and never what was re-posted since.
 */
export interface UploadVersion {
  etag: string;
  versionId?: string;
}

/** What a check of an uploaded object found. */
export type UploadCheck = { ok: true; size: number; sha256: string; version: UploadVersion } | { ok: false; reason: string };

/**
 * Reads an uploaded object once, end to end: its size, its first bytes and its SHA-256.
 * `accept(head)` says whether the first bytes are of the declared type.
 */
export async function checkUpload(
  facilityId: string,
  documentId: string,
  declaredSize: number,
  accept: (head: Uint8Array) => boolean,
): Promise<UploadCheck> {
  let body: Readable;
  let version: UploadVersion;
  try {
    const out = await s3Client().send(new GetObjectCommand({ Bucket: config().bucketName, Key: uploadObjectKey(facilityId, documentId) }));
    body = out.Body as Readable;
    version = { etag: out.ETag!, ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}) };
  } catch (e) {
    if (isMissingObject(e)) {
      return { ok: false, reason: 'has not been uploaded (or the upload did not complete)' };
    }
    throw e;
  }
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
    size += chunk.length;
    if (size > DOCUMENT_LIMITS.maxUploadBytes) {
      body.destroy();
      return { ok: false, reason: `is larger than ${DOCUMENT_LIMITS.maxUploadBytes} bytes` };
    }
    hash.update(chunk);
  }
  if (size !== declaredSize) return { ok: false, reason: `has ${size} bytes, not the ${declaredSize} declared` };
  if (!accept(head)) return { ok: false, reason: 'does not have the content of the declared file type' };
  return { ok: true, size, sha256: hash.digest('hex'), version };
}

/** True for S3's answer that an object is not there (NoSuchKey, or a bare 404 on a copy). */
const isMissingObject = (e: unknown): boolean =>
  (e as Error).name === 'NoSuchKey' || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/** True for S3's answer that a copy's source precondition (x-amz-copy-source-if-match) did not hold. */
const isPreconditionFailed = (e: unknown): boolean =>
  (e as Error).name === 'PreconditionFailed' || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412;

/**
 * Moves a checked upload to its place among attached documents (server-side copy) — exactly
 * the object that was checked: the copy names its version (where the bucket keeps versions)
 * and requires its ETag (CopySourceIfMatch). `changed` when the upload was replaced since the
 * check (the presigned POST stays valid for 15 minutes): nothing was copied. An upload gone
 * meanwhile was attached by a racing request: that is a concurrent change, retried.
 */
export async function attachUploadObject(
  facilityId: string,
  documentId: string,
  sha256: string,
  version: UploadVersion,
): Promise<'attached' | 'changed'> {
  const { bucketName } = config();
  const source = `${bucketName}/${uploadObjectKey(facilityId, documentId)}`;
  return s3Client()
    .send(
      new CopyObjectCommand({
        Bucket: bucketName,
        CopySource: version.versionId ? `${source}?versionId=${encodeURIComponent(version.versionId)}` : source,
        CopySourceIfMatch: version.etag,
        Key: documentObjectKey(facilityId, documentId),
        MetadataDirective: 'REPLACE',
        Metadata: { sha256 },
        ServerSideEncryption: 'AES256',
      }),
    )
    .then(
      () => 'attached' as const,
      (e: Error) => {
        if (isPreconditionFailed(e)) return 'changed' as const;
        if (isMissingObject(e)) throw new ConcurrentChangeError();
        throw e;
      },
    );
}

/** Deletes objects without failing the request (a leftover is invisible: no stored row points at it). */
export async function deleteObjectsQuietly(keys: readonly string[]): Promise<void> {
  await Promise.all(
    keys.map((Key) =>
      s3Client()
        .send(new DeleteObjectCommand({ Bucket: config().bucketName, Key }))
        .catch((e: Error) => logger.warn('could not delete object', { key: Key, error: e.message })),
    ),
  );
}

/** A presigned POST for a direct upload: exactly `size` bytes of `contentType` to the upload key. */
export async function presignUpload(facilityId: string, documentId: string, contentType: string, size: number): Promise<PresignedPost> {
  return createPresignedPost(s3Client(), {
    Bucket: config().bucketName,
    Key: uploadObjectKey(facilityId, documentId),
    Conditions: [
      ['content-length-range', size, size],
      ['eq', '$Content-Type', contentType],
    ],
    Fields: { 'Content-Type': contentType },
    Expires: DOCUMENT_LIMITS.uploadTtlSeconds,
  });
}

/**
 * A presigned GET of a stored document, named for download: typed as the type its bytes were
 * checked as, and named with that type's extension (rows stored before names were made safe
 * are made safe here too). S3 cannot add X-Content-Type-Options to a presigned GET; the
 * attachment disposition and the exact type are what keep a browser from rendering it.
 */
export async function presignDownload(row: DocumentRow): Promise<string> {
  return getSignedUrl(
    s3Client(),
    new GetObjectCommand({
      Bucket: config().bucketName,
      Key: documentObjectKey(row.facilityId, row.documentId),
      ResponseContentType: fileTypeOf(row.extension)?.contentType ?? row.contentType,
      ResponseContentDisposition: contentDisposition(safeFileName(row.fileName, row.documentId, row.extension)),
    }),
    { expiresIn: DOCUMENT_LIMITS.downloadTtlSeconds },
  );
}
