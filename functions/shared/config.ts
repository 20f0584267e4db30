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
  /** Waits between push delivery attempts (API.md): comma-separated durations. */
  webhookRetrySchedule: 'WEBHOOK_RETRY_SCHEDULE',
  /** How long a subscription may fail without a break before it is disabled (a duration). */
  webhookDisableAfter: 'WEBHOOK_DISABLE_AFTER',
  /** The KMS key that encrypts webhook signing secrets (set by the stack; absent locally). */
  webhookKeyId: 'WEBHOOK_KMS_KEY_ID',
  /** How long one scheduled run of the webhook sender keeps sending, ms (AWS: most of its minute). */
  webhookSendLoopMs: 'WEBHOOK_SEND_LOOP_MS',
  /** A poller whose last poll is older than this (a duration) is silent (operator view, alarm). */
  pollerSilentAfter: 'POLLER_SILENT_AFTER',
} as const;

/** The operator view: defaults and limits (docs/api.md states them). */
export const OPERATOR_SETTINGS = {
  silentAfter: CUSTOMERS_SCHEMA.definitions.customer.properties.pollerSilentAfter.default,
  /**
   * A poll that moves nothing writes its time at most this often (and at most a third of the
   * silent threshold, so a poller polling steadily is never shown silent for want of a write).
   */
  lastPollEveryMs: 60_000,
  /** Changes after a poller's position counted at most (one capped Query each). */
  backlogCap: 1000,
  /** How long a refused request is kept (DynamoDB TTL). */
  activityRetentionDays: 30,
  /** Refused requests kept per facility and minute at most; the rest are only counted. */
  activityPerMinute: 60,
  /** Problem `errors` kept per refused request at most. */
  activityErrors: 20,
  /**
   * A key's lastUsedAt is written by the authorizer when the stored one is older than this. The
   * authorizer runs at most once per key and AUTHORIZER_CACHE_SECONDS (300 s) anyway, so a key in
   * use is written at most that often, and its shown last use is at most 5 minutes stale.
   */
  keyLastUsedEveryMs: 60_000,
} as const;

/** Push delivery (webhooks): defaults and limits (docs/api.md states them). */
export const WEBHOOK_SETTINGS = {
  /** 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 27 h 35 min in all (jitter only lengthens it). */
  retrySchedule: CUSTOMERS_SCHEMA.definitions.customer.properties.webhookRetrySchedule.default,
  disableAfter: CUSTOMERS_SCHEMA.definitions.customer.properties.webhookDisableAfter.default,
  /** Subscriptions per key and facility at most. */
  maxPerKeyAndFacility: 10,
  /** Documents and bytes of documents per delivery at most. */
  maxDocuments: 100,
  maxBytes: 1_000_000,
  /** One attempt's time limit. */
  timeoutMs: 10_000,
  /** How long a rotated-out secret keeps signing. */
  rotationOverlapMs: 24 * 3600_000,
  /** Bytes of an endpoint's answer kept in the delivery log. */
  responseLogBytes: 1024,
  /** Delivery log retention (DynamoDB TTL). */
  logRetentionDays: 30,
  /** A claimed subscription is the claimer's for this long (longer than one attempt). */
  leaseMs: 60_000,
  /**
   * Subscriptions sent to at once by one run of the sender (and changes of a stream batch the
   * dispatcher marks for at once): a delivery is a chain of round trips, so more at once drain a
   * burst faster; 32 bodies of at most 1 MB in flight stay well within the function's memory.
   */
  concurrency: 32,
  /** A scheduled run on AWS keeps sending this long within its minute. */
  sendLoopMs: 50_000,
  /**
   * The longest a run waits between two passes over the outbox (it waits less for a marker due
   * sooner, not at all after a pass that found work): what a change that finds the sender idle
   * waits at most, on AWS and (with the timer, `localEverySeconds`) locally. A pass reads the 9
   * outbox partitions, about 1 RCU each when idle.
   */
  passEveryMs: 250,
  /**
   * Within a pass, how often at most it looks at the outbox again for markers come due while it
   * works (a look reads every shard): often enough that a marker waits little for a free sender.
   */
  lookEveryMs: 100,
  /**
   * How long after a change's settle delay the sender takes it as settled (dueAfterSettle): the
   * function that stamps a change, the dispatcher that sees it and the sender run on different
   * hosts, whose clocks (Amazon Time Sync on Lambda) agree to well within a millisecond. It was
   * 500 ms until 2026-12-07; every delivery waited for it.
   */
  settleMarginMs: 100,
  /**
   * A run goes on past WEBHOOK_SEND_LOOP_MS while work is in sight (its last pass found some, or
   * a marker comes due within passEveryMs), up to this long from its start: locally, where the
   * loop is 0, a run lasts as long as there is work instead of one pass a timer tick (and well
   * within the 10 s the local runtime gives an invocation).
   */
  busyRunMs: 5000,
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
  webhooks?: { retrySchedule: string; disableAfter: string };
  pollerSilentAfter?: string;
}): Record<string, string> {
  return {
    [ENV.tableName]: settings.tableName,
    [ENV.bucketName]: settings.bucketName,
    [ENV.customer]: settings.customer,
    [ENV.webhookRetrySchedule]: settings.webhooks?.retrySchedule ?? WEBHOOK_SETTINGS.retrySchedule,
    [ENV.webhookDisableAfter]: settings.webhooks?.disableAfter ?? WEBHOOK_SETTINGS.disableAfter,
    [ENV.pollerSilentAfter]: settings.pollerSilentAfter ?? OPERATOR_SETTINGS.silentAfter,
    ...Object.fromEntries(Object.entries(POLL_SETTINGS).map(([key, s]) => [s.env, String(settings.poll[key as keyof PollSettings])])),
  };
}

export interface Config {
  tableName: string;
  bucketName: string;
  pollSettleMs: number;
  pollPageSize: number;
  pollMaxBytes: number;
  /** Waits between delivery attempts, ms (the first retry waits the first). */
  webhookRetrySchedule: readonly number[];
  webhookDisableAfterMs: number;
  /** The KMS key of webhook secrets; null: the local key (only under `npm start`). */
  webhookKeyId: string | null;
  /** True only in the local runtime: http and loopback endpoints are allowed. */
  webhookAllowLocal: boolean;
  webhookSendLoopMs: number;
  /** A poller whose last poll is older than this is silent, ms. */
  pollerSilentAfterMs: number;
  /** How stale a poller's stored last poll time may get before a poll that moves nothing writes it, ms. */
  pollerLastPollEveryMs: number;
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
    ...webhookConfig(),
    ...operatorConfig(),
  };
  return cached;
}

function operatorConfig(): Pick<Config, 'pollerSilentAfterMs' | 'pollerLastPollEveryMs'> {
  const raw = process.env[ENV.pollerSilentAfter] || OPERATOR_SETTINGS.silentAfter;
  const silentAfterMs = parseDuration(raw);
  if (silentAfterMs === null || silentAfterMs <= 0) throw new Error(`${ENV.pollerSilentAfter} must be a duration such as 15m, got ${raw}`);
  return {
    pollerSilentAfterMs: silentAfterMs,
    pollerLastPollEveryMs: Math.max(1, Math.min(OPERATOR_SETTINGS.lastPollEveryMs, Math.floor(silentAfterMs / 3))),
  };
}

function webhookConfig(): Pick<
  Config,
  'webhookRetrySchedule' | 'webhookDisableAfterMs' | 'webhookKeyId' | 'webhookAllowLocal' | 'webhookSendLoopMs'
> {
  const local = process.env[ENV.local] === '1';
  const schedule = process.env[ENV.webhookRetrySchedule] || WEBHOOK_SETTINGS.retrySchedule;
  const disableAfter = process.env[ENV.webhookDisableAfter] || WEBHOOK_SETTINGS.disableAfter;
  const retrySchedule = parseDurationList(schedule);
  const disableAfterMs = parseDuration(disableAfter);
  if (!retrySchedule) throw new Error(`${ENV.webhookRetrySchedule} must be comma-separated durations such as 5s,5m,2h, got ${schedule}`);
  if (disableAfterMs === null) throw new Error(`${ENV.webhookDisableAfter} must be a duration such as 3d, got ${disableAfter}`);
  return {
    webhookRetrySchedule: retrySchedule,
    webhookDisableAfterMs: disableAfterMs,
    webhookKeyId: process.env[ENV.webhookKeyId] || null,
    webhookAllowLocal: local,
    webhookSendLoopMs: intFrom(ENV.webhookSendLoopMs, local ? 0 : WEBHOOK_SETTINGS.sendLoopMs, 0, 600_000),
  };
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 } as const;

/** `90s`, `5m`, `2h`, `3d`, `250ms` in ms; null when it is none of these. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d{1,9})\s*(ms|s|m|h|d)\s*$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : null;
}

/** `5s,5m,30m` in ms each; null when any part is not a duration or the list is empty (at most 20). */
export function parseDurationList(text: string): number[] | null {
  const parts = text.split(',').map(parseDuration);
  if (parts.length === 0 || parts.length > 20 || parts.some((p) => p === null)) return null;
  return parts as number[];
}
