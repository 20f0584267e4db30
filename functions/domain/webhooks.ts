/**
 * Push delivery (webhooks), the pure part: which endpoint addresses are refused, the signing
 * secrets, the retry schedule with its jitter, and what one attempt's outcome means for the
 * delivery and its subscription. No I/O: the clock and chance are passed in.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { DocumentFormat } from './api-keys.ts';
import { invalidInput } from './errors.ts';
import { pageLimit } from './refusals.ts';

/** A subscription's state as the API shows it. */
export type SubscriptionStatus = 'active' | 'disabled';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * A webhook subscription: where and what to deliver, its signing secrets (sealed), its position
 * in the change stream (what has been delivered), the delivery in flight (at most one: per-order
 * order needs it) and a version for optimistic updates.
 */
export interface Subscription {
  subscriptionId: string;
  facilityId: string;
  keyId: string;
  url: string;
  events: string;
  format: DocumentFormat;
  description: string | null;
  status: SubscriptionStatus;
  disabledReason: string | null;
  createdAt: string;
  /** The signing secret, sealed (never the secret itself). */
  secret: string;
  /** The secret before the last rotation, sealed, and until when it still signs (ms). */
  previousSecret: string | null;
  previousUntil: number | null;
  /** Delivered up to here in the change stream (exclusive start of the next delivery). */
  position: string;
  /** A replay asked for: the next delivery starts here instead. */
  replayFrom: string | null;
  /** Replays asked for so far: part of every webhook-id (`messageId`), so a replay never repeats an id. */
  replays: number;
  /** The delivery in flight, as the delivery log names it (opaque); null: none. */
  current: string | null;
  /** Failing without a success since (ms). */
  failingSince: number | null;
  lastDeliveryAt: string | null;
  version: number;
}

/** What a use case may change of a subscription (its identity and version are the store's). */
export type SubscriptionChanges = Partial<Omit<Subscription, 'subscriptionId' | 'facilityId' | 'keyId' | 'version'>>;

/**
 * One delivery: a slice of the change stream sent to a subscription's endpoint, with its attempts.
 * `webhookId` names one body only (`bodyHash`): a retry whose body changed (a document of the
 * slice changed again and moved on) goes out under a new id (`messageId`).
 */
export interface Delivery {
  subscriptionId: string;
  deliveryId: string;
  /** The webhook-id of the body `bodyHash` names: the latest attempt's, or the next attempt's when its body is the same. */
  webhookId: string;
  /** The hash (`bodyDigest`) of the one body `webhookId` names; null when unknown (a delivery stored before it was kept). */
  bodyHash: string | null;
  createdAt: string;
  status: DeliveryStatus;
  attempts: Attempt[];
  /** When the next attempt is due (ms); null when none is planned (delivered, failed, subscription disabled). */
  nextAttemptAt: number | null;
  /** Retries made so far. */
  retries: number;
  /** The slice of the change stream this delivery carries: inclusive bounds of positions. */
  lower: string | null;
  upper: string;
  windowStart: number | null;
  /** Where the subscription's position moves when this delivery is done. */
  nextPosition: string;
  documents: number;
}

/** A delivery's state written with a subscription's change, in the same atomic write. */
export type DeliveryWrite =
  /** A new delivery (written once), which becomes the subscription's delivery in flight while it is pending. */
  | { start: Delivery }
  /** A delivery's new state (an attempt made, a retry planned, an end). */
  | { save: Delivery };

/** What a read-decide-write of a subscription decided to change, with a delivery's state. */
export interface SubscriptionDecision {
  changes: SubscriptionChanges;
  delivery?: DeliveryWrite;
}

/** An outbox marker: this subscription has something due at `dueAt`. */
export interface DueMarker {
  facilityId: string;
  subscriptionId: string;
  dueAt: number;
  /** Bumped by every mark: a claim or release made on an older reading loses. */
  ver: number;
  /** When the last change that marked it was seen (ms); null when none did (a replay, an enable). */
  lastChange: number | null;
}

/** A new signing secret: `whsec_` and the base64 of 32 random bytes (Standard Webhooks' form). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Ids the hub issues: a prefix and 24 random hex digits. */
export const newId = (prefix: 'sub' | 'dlv' | 'msg' | 'rpl'): string => `${prefix}_${randomBytes(12).toString('hex')}`;

/** `sub_` and 24 hex digits: anything else cannot name a subscription. */
export const isSubscriptionId = (id: unknown): id is string => typeof id === 'string' && /^sub_[0-9a-f]{24}$/.test(id);

/** Parses an IPv4 dotted quad into its four bytes (null if it is none). */
function ipv4Bytes(ip: string): number[] | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : null;
}

/** The 16 bytes of an IPv6 address (with an embedded IPv4 tail where written so). */
function ipv6Bytes(ip: string): number[] | null {
  let text = ip.replace(/%.*$/, '').toLowerCase();
  // An embedded IPv4 tail (`::ffff:10.0.0.1`) becomes its two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4Bytes(v4[1]!);
    if (!b) return null;
    text = `${text.slice(0, -v4[1]!.length)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const group = (s: string) => (s === '' ? [] : s.split(':'));
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const bytes: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    const n = Number.parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  return bytes;
}

/** Why an IPv4 address is refused, or null: private, loopback, link-local, CGNAT, metadata, unspecified. */
function refusedV4(b: number[]): string | null {
  const [a, c] = [b[0]!, b[1]!];
  if (a === 0) return 'an unspecified address (0.0.0.0/8)';
  if (a === 127) return 'a loopback address';
  if (a === 10 || (a === 172 && c >= 16 && c <= 31) || (a === 192 && c === 168)) return 'a private address';
  if (a === 169 && c === 254) return 'a link-local or instance-metadata address';
  if (a === 100 && c >= 64 && c <= 127) return 'a shared (carrier-grade NAT) address';
  if (a >= 224) return 'a multicast or reserved address';
  return null;
}

/**
 * Why this IP address may not receive webhooks on AWS, or null when it may. Covers IPv4 and
 * IPv6, IPv4-mapped and -compatible IPv6 forms included (`::ffff:10.0.0.1` is 10.0.0.1).
 */
export function refusedAddress(ip: string): string | null {
  const kind = isIP(ip);
  if (kind === 4) return refusedV4(ipv4Bytes(ip)!);
  if (kind !== 6) return 'not an IP address';
  const b = ipv6Bytes(ip);
  if (b?.length !== 16) return 'not an IP address';
  const zeros = (n: number) => b.slice(0, n).every((x) => x === 0);
  if (zeros(16)) return 'an unspecified address (::)';
  if (zeros(15) && b[15] === 1) return 'a loopback address (::1)';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible) are IPv4 addresses in disguise.
  if (zeros(10) && ((b[10] === 0xff && b[11] === 0xff) || (b[10] === 0 && b[11] === 0))) return refusedV4(b.slice(12));
  // 64:ff9b::/96 (NAT64) carries an IPv4 address too.
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.slice(4, 12).every((x) => x === 0)) return refusedV4(b.slice(12));
  if ((b[0]! & 0xfe) === 0xfc) return 'a unique-local address (fc00::/7, the instance metadata service fd00:ec2::254 included)';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'a link-local address (fe80::/10)';
  if (b[0] === 0xff) return 'a multicast address';
  return null;
}

/** What the URL of a subscription must be; `allowLocal` only for the local runtime. */
export interface UrlRules {
  allowLocal: boolean;
}

/**
 * Checks a subscription URL's form (before any DNS lookup): absolute, https on AWS (http too
 * locally), no credentials in it, no spaces or control characters, not port 0, at most 2,048
 * characters. An IP literal host is checked at
 * once; a name is checked after resolution (`refusedAddress` on each address).
 */
export function checkWebhookUrl(raw: string, rules: UrlRules): URL {
  const bad = (message: string) => invalidInput(`url ${message}.`, [{ path: '/url', message }]);
  if (raw.length > 2048) throw bad('must be at most 2,048 characters');
  // The URL parser drops tabs and line breaks anywhere, trims spaces and controls at the ends and
  // encodes the rest: the text is checked as sent, so a URL is stored as written or refused.
  if (/[\u0000-\u0020\u007f]/.test(raw)) throw bad('must not contain spaces or control characters (CR, LF, tab, NUL, …)');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('must be an absolute URL');
  }
  const schemes = rules.allowLocal ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) throw bad(rules.allowLocal ? 'must be http or https' : 'must be https');
  if (url.username || url.password) throw bad('must not carry a user name or password');
  if (url.hash) throw bad('must not have a fragment');
  if (url.port === '0') throw bad('must not name port 0');
  const host = hostOf(url);
  if (!rules.allowLocal) {
    if (host === 'localhost' || host.endsWith('.localhost')) throw bad('must not name this machine (localhost)');
    if (isIP(host)) {
      const why = refusedAddress(host);
      if (why) throw bad(`must not point at ${why}`);
    }
  }
  return url;
}

/** The URL's host without the brackets of an IPv6 literal. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** The endpoint's resolved addresses, checked: the first acceptable one, or a 400 naming what was refused. */
export function pickAddress(host: string, addresses: readonly string[], rules: UrlRules): string {
  if (addresses.length === 0)
    throw invalidInput(`url's host ${host} does not resolve.`, [{ path: '/url', message: 'host does not resolve' }]);
  if (rules.allowLocal) return addresses[0]!;
  for (const address of addresses) {
    const why = refusedAddress(address);
    // Every address must be acceptable: a name that also resolves inside is refused as a whole.
    if (why) throw invalidInput(`url's host ${host} resolves to ${why}.`, [{ path: '/url', message: `resolves to ${why}` }]);
  }
  return addresses[0]!;
}

/**
 * The wait before retry `n` (0-based) of a delivery, or null once the schedule is exhausted.
 * Jitter only lengthens a wait (by up to 20 %), so the schedule's total is a lower bound.
 * A Retry-After the endpoint sent (on 429 or 503) replaces the wait when it asks for longer,
 * capped at the schedule's longest step.
 */
export function retryDelay(schedule: readonly number[], n: number, random: number, retryAfterMs: number | null): number | null {
  const step = schedule[n];
  if (step === undefined) return null;
  const jittered = Math.round(step * (1 + 0.2 * random));
  if (retryAfterMs === null) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, Math.max(...schedule)));
}

/** A Retry-After header (seconds, or an HTTP date) in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** One attempt as the delivery log keeps it. */
export interface Attempt {
  at: string;
  /** The webhook-id it went out under. */
  webhookId: string;
  /** The endpoint's HTTP status; null when there was none (timeout, connection error, refused address). */
  status: number | null;
  error: string | null;
  ms: number;
  /** The start of the endpoint's answer (at most 1 KB). */
  response: string | null;
}

/** What to do after an attempt: delivered, retry at a time, failed for good, or disable the subscription. */
export type AttemptVerdict =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: number }
  | { kind: 'failed' }
  | { kind: 'disable'; reason: string };

/**
 * The verdict on a delivery after one attempt: 2xx delivered; 410 disables the subscription at
 * once; a subscription failing without a break for longer than `disableAfterMs` is disabled;
 * else the next retry of the schedule, or failed (dead-lettered) when it is exhausted.
 */
export function judgeAttempt(input: {
  attempt: Attempt;
  /** Retries already made (0 after the first attempt failed once). */
  retries: number;
  schedule: readonly number[];
  /** Since when the subscription has failed without a success (ms), this attempt included. */
  failingSince: number;
  disableAfterMs: number;
  now: number;
  random: number;
  retryAfterMs: number | null;
}): AttemptVerdict {
  const { attempt, now } = input;
  if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) return { kind: 'delivered' };
  if (attempt.status === 410) return { kind: 'disable', reason: 'the endpoint answered 410 Gone' };
  if (now - input.failingSince >= input.disableAfterMs) {
    return { kind: 'disable', reason: `every delivery failed since ${new Date(input.failingSince).toISOString()}` };
  }
  const honoured = attempt.status === 429 || attempt.status === 503 ? input.retryAfterMs : null;
  const wait = retryDelay(input.schedule, input.retries, input.random, honoured);
  return wait === null ? { kind: 'failed' } : { kind: 'retry', at: now + wait };
}

/** The hash of a delivery's body that its webhook-id is bound to (SHA-256, base64url). */
export const bodyDigest = (body: string): string => createHash('sha256').update(body, 'utf8').digest('base64url');

/**
 * The webhook-id an attempt of a delivery whose body hashes to `bodyHash` goes out under.
 * Standard Webhooks makes the id the message's identity: the same body from the same place in
 * the subscription's stream goes out under the same id, however often it is sent (every retry,
 * and a first attempt sent again because its outcome was never written: the receiver can drop
 * the repeat), and one id never names two bodies. The id is derived from the subscription, its
 * replays so far (a replay's messages are new ones), where the delivery starts and the body's
 * hash, so it needs no write before it is sent. A delivery stored before ids were derived keeps
 * the id it names for the body it names.
 */
export function messageId(
  sub: Pick<Subscription, 'subscriptionId' | 'replays'>,
  delivery: Pick<Delivery, 'webhookId' | 'bodyHash' | 'lower'>,
  bodyHash: string,
): string {
  if (delivery.bodyHash === bodyHash) return delivery.webhookId;
  const seed = [sub.subscriptionId, String(sub.replays), delivery.lower ?? '', bodyHash].join('\n');
  return `msg_${createHash('sha256').update(seed, 'utf8').digest('hex').slice(0, 24)}`;
}

/** Standard Webhooks' signature header: `v1,<sig>` per secret, space-separated. */
export const joinSignatures = (signatures: readonly string[]): string => signatures.join(' ');

/** Cuts text to at most `bytes` bytes of UTF-8 (never in the middle of a character). */
export function truncateUtf8(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  return buf
    .subarray(0, bytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

/** A delivery as a delivery log lists it (per subscription, and across a facility's subscriptions). */
export function deliveryView(d: Delivery) {
  return {
    deliveryId: d.deliveryId,
    webhookId: d.webhookId,
    createdAt: d.createdAt,
    documents: d.documents,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt === null ? null : new Date(d.nextAttemptAt).toISOString(),
  };
}

const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];
/** A page's cursor: the last delivery listed (the form this hub has always issued: `DLV#{createdAt}#{deliveryId}`). */
const DELIVERY_CURSOR = /^DLV#([0-9TZ:.-]{24})#(dlv_[0-9a-f]{24})$/;
const deliveryRefText = (d: Pick<Delivery, 'createdAt' | 'deliveryId'>) => `DLV#${d.createdAt}#${d.deliveryId}`;

/** The cursor naming the last delivery of a page. */
export const deliveryCursor = (d: Pick<Delivery, 'createdAt' | 'deliveryId'>): string =>
  Buffer.from(deliveryRefText(d), 'utf8').toString('base64url');

/** Newest first: by creation time, then id (the order of each log's sort key). */
export const newestDeliveryFirst = (a: Delivery, b: Delivery): number =>
  deliveryRefText(a) < deliveryRefText(b) ? 1 : deliveryRefText(a) > deliveryRefText(b) ? -1 : 0;

/** A delivery log's query read: the status filter, the page size (1–100, default 20) and where the page starts; 400 on anything else. */
export function deliveryPageQuery(query: { status?: string | undefined; limit?: string | undefined; cursor?: string | undefined }): {
  status: DeliveryStatus | undefined;
  limit: number;
  after: Pick<Delivery, 'createdAt' | 'deliveryId'> | undefined;
} {
  const status = DELIVERY_STATUSES.find((s) => s === query.status);
  if (query.status !== undefined && status === undefined) {
    throw invalidInput('status must be pending, delivered or failed.', [
      { path: '/queryStringParameters/status', message: 'unknown status' },
    ]);
  }
  const limit = pageLimit(query.limit, 20);
  if (query.cursor === undefined) return { status, limit, after: undefined };
  const m = DELIVERY_CURSOR.exec(Buffer.from(query.cursor, 'base64url').toString('utf8'));
  if (!m) throw invalidInput('cursor is not one this hub issued.', [{ path: '/queryStringParameters/cursor', message: 'invalid cursor' }]);
  return { status, limit, after: { createdAt: m[1]!, deliveryId: m[2]! } };
}
