/**
 * The S3 emulator (s3rver), in the launcher's own process. Objects live in a folder.
 * It accepts presigned POSTs but does not enforce their policy: tests assert the policy.
 */
import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';

export interface S3Local {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts s3rver on a free port with the bucket created. */
export async function startS3Local(directory: string, bucketName: string): Promise<S3Local> {
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucketName, configs: [] }],
  });
  const { port } = (await server.run()) as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}
