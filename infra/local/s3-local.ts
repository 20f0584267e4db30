/**
 * The S3 emulator (s3rver), in the launcher's own process. Objects live in a folder.
 * It accepts presigned POSTs but does not enforce their policy: tests assert the policy.
 * It listens on 127.0.0.1 only: it has no authentication of its own.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import S3rver from 's3rver';

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5?: string): Promise<void>;
  getMetadata(bucket: string, key: string): Promise<unknown>;
  copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata?: unknown): Promise<unknown>;
}

type S3ErrorClass = new (code: string, message: string, detail?: Record<string, string>) => Error;

/** The MD5 of a file as S3 quotes it in an ETag (single-part objects). */
async function etagOf(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `"${hash.digest('hex')}"`;
}

/** True when an If-Match list (`*`, or ETags quoted or not, comma-separated) names this ETag. */
const etagMatches = (ifMatch: string, etag: string): boolean =>
  ifMatch
    .split(',')
    .map((t) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, ''))
    .some((t) => t === '*' || t === etag.replace(/^"|"$/g, ''));

/**
 * Two behaviours of S3 that s3rver lacks, patched into its filesystem store:
 *
 * S3 replaces an object atomically: a copy whose source vanished fails and leaves the
 * destination as it was. s3rver's copy deletes the destination first (fs-extra's overwrite),
 * so a copy racing a delete of its source could erase the object another copy had just
 * written. Copy to a temporary file beside it and rename over the destination instead.
 *
 * S3 honours x-amz-copy-source-if-match on a copy: when the source's ETag is not one named,
 * it answers 412 PreconditionFailed and writes nothing. s3rver 3.7 ignores the header and
 * copies whatever is there, so the hub's pinned attach of a checked upload would not be
 * pinned locally. The check is made here on the bytes actually copied (the temporary file),
 * so an upload re-posted during the copy fails it too. s3rver hands the request headers to the
 * store only with MetadataDirective REPLACE (which the hub uses); a copy that sends the header
 * without it is refused as not implemented rather than copied unchecked.
 */
function patchCopies(): void {
  const require = createRequire(import.meta.url);
  const store = require('s3rver/lib/stores/filesystem.js') as { prototype: FilesystemStore };
  const S3Error = require('s3rver/lib/models/error.js') as S3ErrorClass;
  const controller = require('s3rver/lib/controllers/object.js') as {
    putObjectCopy(ctx: { headers: Record<string, string> }): Promise<void>;
  };
  const putObjectCopy = controller.putObjectCopy;
  controller.putObjectCopy = async (ctx) => {
    if ('x-amz-copy-source-if-match' in ctx.headers && ctx.headers['x-amz-metadata-directive'] !== 'REPLACE') {
      throw new S3Error('NotImplemented', 'The local S3 checks x-amz-copy-source-if-match only on copies with MetadataDirective REPLACE.');
    }
    return putObjectCopy(ctx);
  };
  const original = store.prototype.copyObject;
  store.prototype.copyObject = async function (this: FilesystemStore, srcBucket, srcKey, destBucket, destKey, replacementMetadata) {
    const src = this.getResourcePath(srcBucket, srcKey, 'object');
    const dest = this.getResourcePath(destBucket, destKey, 'object');
    const ifMatch = (replacementMetadata as Record<string, string> | null | undefined)?.['x-amz-copy-source-if-match'];
    if ((src === dest && ifMatch === undefined) || !replacementMetadata) {
      return original.call(this, srcBucket, srcKey, destBucket, destKey, replacementMetadata);
    }
    await mkdir(dirname(dest), { recursive: true });
    const temporary = `${dest}.${randomUUID()}.copying`;
    let etag: string;
    try {
      await copyFile(src, temporary);
      etag = await etagOf(temporary);
      if (ifMatch !== undefined && !etagMatches(ifMatch, etag)) {
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
          Condition: 'x-amz-copy-source-If-Match',
        });
      }
      await rename(temporary, dest);
    } finally {
      await rm(temporary, { force: true });
    }
    // With the copy's own MD5: the destination's ETag is that of its new bytes, not a stale one.
    await this.putMetadata(destBucket, destKey, replacementMetadata, etag.slice(1, -1));
    return this.getMetadata(destBucket, destKey);
  };
}
patchCopies();

const LOOPBACK = '127.0.0.1';

export interface S3Local {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts s3rver on a free port with the bucket created. */
export async function startS3Local(directory: string, bucketName: string): Promise<S3Local> {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const server = new S3rver({
    // s3rver answers anyone, unauthenticated (list, get, put, delete): loopback only, always.
    // Its default, 'localhost', is loopback too but may resolve to ::1; say it explicitly.
    address: LOOPBACK,
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucketName, configs: [] }],
  });
  const { address, port } = (await server.run()) as { address: string; port: number };
  if (address !== LOOPBACK) {
    await server.close();
    throw new Error(`s3rver listened on ${address}, not on ${LOOPBACK}`);
  }
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}
