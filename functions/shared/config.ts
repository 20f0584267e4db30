/**
 * The one settings module: every variable name, default and bound the functions read, once
 * per cold start. The CDK stack (`functionEnvironment`), the customers file check (`POLL_SETTINGS`)
 * and the local runtime (`ENV`, `DEFAULT_NAMES`) take them from here. Every limit the docs state is here.
 */
import CUSTOMERS_SCHEMA from '../../schemas/customers-file.schema.json' with { type: 'json' };

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

/** Names of the environment variables the functions read (set by the stack and by `npm start`). */
export const ENV = {
  tableName: 'TABLE_NAME',
  bucketName: 'BUCKET_NAME',
  /** The customer's name: the `customer` dimension of the business metrics. */
  customer: 'MIXTICKET_CUSTOMER',
  /** Set locally only: DynamoDB Local and the S3 emulator. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  s3Endpoint: 'S3_ENDPOINT',
  /** '1' when running under `npm start` or the keys CLI on this machine. */
  local: 'MIXTICKET_LOCAL',
} as const;

/** The table and bucket names where no stack names them (the local runtime uses these). */
export const DEFAULT_NAMES = { tableName: 'mixticket', bucketName: 'mixticket-documents' } as const;

/** Default and bounds of a poll setting: the customers file's schema states them, once. */
const tuning = (key: keyof typeof POLL_SCHEMA) => {
  const { default: fallback, minimum: min, maximum: max } = POLL_SCHEMA[key];
  return { default: fallback, min, max };
};
const POLL_SCHEMA = CUSTOMERS_SCHEMA.definitions.poll.properties;

/** Poll tuning: its variable, default and bounds, read here and checked in the customers file alike. */
export const POLL_SETTINGS = {
  /** Changes younger than this are not served yet (writes still in flight). */
  settleMs: { env: 'POLL_SETTLE_MS', ...tuning('settleMs') },
  /** Documents per poll response at most. */
  pageSize: { env: 'POLL_PAGE_SIZE', ...tuning('pageSize') },
  /** Bytes of documents per poll response at most (Lambda answers at most 6 MB). */
  maxBytes: { env: 'POLL_MAX_BYTES', ...tuning('maxBytes') },
} as const;

export type PollSettings = { [K in keyof typeof POLL_SETTINGS]: number };

/** The environment a deployed function gets for these settings (the stack's side of `config()`). */
export function functionEnvironment(settings: {
  tableName: string;
  bucketName: string;
  customer: string;
  poll: PollSettings;
}): Record<string, string> {
  return {
    [ENV.tableName]: settings.tableName,
    [ENV.bucketName]: settings.bucketName,
    [ENV.customer]: settings.customer,
    ...Object.fromEntries(Object.entries(POLL_SETTINGS).map(([key, s]) => [s.env, String(settings.poll[key as keyof PollSettings])])),
  };
}

export interface Config {
  tableName: string;
  bucketName: string;
  pollSettleMs: number;
  pollPageSize: number;
  pollMaxBytes: number;
}

let cached: Config | undefined;

const poll = (key: keyof typeof POLL_SETTINGS): number => {
  const s = POLL_SETTINGS[key];
  return intFrom(s.env, s.default, s.min, s.max);
};

/** The configuration of this function instance. */
export function config(): Config {
  cached ??= {
    tableName: process.env[ENV.tableName] ?? DEFAULT_NAMES.tableName,
    bucketName: process.env[ENV.bucketName] ?? DEFAULT_NAMES.bucketName,
    pollSettleMs: poll('settleMs'),
    pollPageSize: poll('pageSize'),
    pollMaxBytes: poll('maxBytes'),
  };
  return cached;
}
