/**
 * The local stack's document bucket seen from a test, through the S3 emulator's own API
 * (endpoint and bucket from local.json): list what is stored, break and repair the bucket.
 * Also the two HTTP steps of documents that the JSON client does not cover: a GET whose
 * 302 is not followed, and the multipart POST of a presigned direct upload.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { checkResponse } from './contract.ts';
import type { LocalStack } from './local-stack.ts';

export interface Bucket {
  name: string;
  s3: S3Client;
  /** Every key under this prefix. */
  keys(prefix: string): Promise<string[]>;
  /** Deletes the (empty) bucket: every write to it fails from now on. */
  remove(): Promise<void>;
  create(): Promise<void>;
}

export function bucketOf(stack: Pick<LocalStack, 'dataDir'>): Bucket {
  const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as { s3Endpoint: string; bucketName: string };
  const s3 = new S3Client({
    endpoint: local.s3Endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const name = local.bucketName;
  return {
    name,
    s3,
    async keys(prefix) {
      const out: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: name, Prefix: prefix, ContinuationToken }));
        out.push(...(page.Contents ?? []).map((o) => o.Key!));
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
      return out.sort();
    },
    async remove() {
      await s3.send(new DeleteBucketCommand({ Bucket: name }));
    },
    async create() {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
  };
}

/** A GET that does not follow redirects (the hub answers documents with 302). */
export async function getNoRedirect(
  url: string,
  key: string,
): Promise<{ status: number; location: string | null; headers: Headers; body: any }> {
  const res = await fetch(url, { headers: { 'x-api-key': key }, redirect: 'manual' });
  const text = await res.text();
  checkResponse('GET', url, res.status, res.headers, text);
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, location: res.headers.get('location'), headers: res.headers, body };
}

/** Downloads a URL (a presigned GET) as bytes. */
export async function download(url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Posts a file to a presigned POST as a browser form would: every field first, the file last. */
export async function postUpload(
  upload: { url: string; fields: Record<string, string> },
  bytes: Uint8Array,
  contentType: string,
  fileName = 'upload.bin',
): Promise<{ status: number; text: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(bytes)], { type: contentType }), fileName);
  const res = await fetch(upload.url, { method: 'POST', body: form, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}
