/**
 * The S3 emulator (s3rver), in the launcher's own process. Objects live in a folder.
 * It accepts presigned POSTs but does not enforce their policy: tests assert the policy.
 * It listens on 127.0.0.1 only: it has no authentication of its own.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
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

/**
 * S3 replaces an object atomically: a copy whose source vanished fails and leaves the
 * destination as it was. s3rver's copy deletes the destination first (fs-extra's overwrite),
 * so a copy racing a delete of its source could erase the object another copy had just
 * written. Copy to a temporary file beside it and rename over the destination instead.
 */
function makeCopiesAtomic(): void {
  const store = createRequire(import.meta.url)('s3rver/lib/stores/filesystem.js') as { prototype: FilesystemStore };
  const original = store.prototype.copyObject;
  store.prototype.copyObject = async function (this: FilesystemStore, srcBucket, srcKey, destBucket, destKey, replacementMetadata) {
    const src = this.getResourcePath(srcBucket, srcKey, 'object');
    const dest = this.getResourcePath(destBucket, destKey, 'object');
    if (src === dest || !replacementMetadata) return original.call(this, srcBucket, srcKey, destBucket, destKey, replacementMetadata);
    await mkdir(dirname(dest), { recursive: true });
    const temporary = `${dest}.${randomUUID()}.copying`;
    try {
      await copyFile(src, temporary);
      await rename(temporary, dest);
    } finally {
      await rm(temporary, { force: true });
    }
    await this.putMetadata(destBucket, destKey, replacementMetadata);
    return this.getMetadata(destBucket, destKey);
  };
}
makeCopiesAtomic();

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
