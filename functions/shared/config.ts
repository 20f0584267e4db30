/**
 * Settings read from the environment, once per cold start. The CDK stack sets them on
 * AWS; the local launcher sets them for `npm start`. Every limit the README states is here.
 */

function intFrom(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Limits every deployment enforces. */
export const LIMITS = {
  /** Documents per request. */
  maxDocumentsPerRequest: 50,
  /** A request body, as Lambda accepts it (6 MB synchronous invocation payload). */
  maxRequestBytes: 6_000_000,
  /** JSON nesting depth of a request body. */
  maxJsonDepth: 32,
  /** One stored document as canonical JSON; a DynamoDB item holds at most 400 KB. */
  maxStoredDocumentBytes: 350 * 1024,
  /** All documents one request writes: a DynamoDB transaction carries at most 4 MB. */
  maxBatchStoredBytes: 3_500_000,
} as const;

export interface Config {
  tableName: string;
  bucketName: string;
  /** Changes younger than this are not served yet (writes still in flight). */
  pollSettleMs: number;
  /** Documents per poll response at most. */
  pollPageSize: number;
  /** Bytes of documents per poll response at most (Lambda answers at most 6 MB). */
  pollMaxBytes: number;
}

let cached: Config | undefined;

/** The configuration of this function instance. */
export function config(): Config {
  cached ??= {
    tableName: process.env.TABLE_NAME ?? 'mixticket',
    bucketName: process.env.BUCKET_NAME ?? 'mixticket-documents',
    pollSettleMs: intFrom('POLL_SETTLE_MS', 3000, 0, 60_000),
    pollPageSize: intFrom('POLL_PAGE_SIZE', 250, 1, 1000),
    pollMaxBytes: intFrom('POLL_MAX_BYTES', 4_500_000, 100_000, 5_500_000),
  };
  return cached;
}

/** For tests and the local gateway: forget the cached configuration. */
export function resetConfig(): void {
  cached = undefined;
}
