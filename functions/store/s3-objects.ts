/**
 * The S3 side of stored documents (functions/store/document-store.ts): the objects under keys
 * built from validated ids only, and presigned uploads and downloads. Loaded by document-store.ts
 * on the first request that needs S3, never at cold init: this module's imports (the S3 client,
 * its commands and both presigners) are what would otherwise make the document functions start
 * slower than any other (docs/benchmarks.md, Cold init).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  contentDisposition,
  DOCUMENT_LIMITS,
  type DocumentRow,
  fileTypeOf,
  safeFileName,
  type UploadCheck,
  type UploadVersion,
} from '../domain/bills-of-lading.ts';
import { config, ENV } from '../shared/config.ts';
import { throttlingAsStorageError } from './errors.ts';
import { documentObjectKey, uploadObjectKey } from './keys.ts';

export type { UploadCheck, UploadVersion };

let s3: S3Client | undefined;

/** S3 client (path-style and checksums only when required against the emulator), created once. */
export function s3Client(): S3Client {
  if (s3) return s3;
  s3 = new S3Client({
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(process.env[ENV.s3Endpoint]
      ? {
          endpoint: process.env[ENV.s3Endpoint],
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
    ...(process.env[ENV.local] === '1' ? { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } : {}),
  });
  s3.middlewareStack.add(throttlingAsStorageError, { step: 'initialize', name: 'throttlingAsStorageError' });
  return s3;
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
 * check (the presigned POST stays valid for 15 minutes): nothing was copied. `gone` when the
 * upload is gone meanwhile (a racing request attached it): document-store.ts makes that a
 * concurrent change, retried.
 */
export async function attachUploadObject(
  facilityId: string,
  documentId: string,
  sha256: string,
  version: UploadVersion,
): Promise<'attached' | 'changed' | 'gone'> {
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
        if (isMissingObject(e)) return 'gone' as const;
        throw e;
      },
    );
}

/** Deletes objects without failing the request; answers those it could not delete (with why). */
export async function deleteObjectsQuietly(keys: readonly string[]): Promise<{ key: string; error: string }[]> {
  const failed: { key: string; error: string }[] = [];
  await Promise.all(
    keys.map((Key) =>
      s3Client()
        .send(new DeleteObjectCommand({ Bucket: config().bucketName, Key }))
        .catch((e: Error) => failed.push({ key: Key, error: e.message })),
    ),
  );
  return failed;
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
