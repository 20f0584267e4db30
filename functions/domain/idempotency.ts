/**
 * `Idempotency-Key` on the POSTs that are not idempotent by a document's identity (docs/api.md):
 * the same key and request within 24 hours answer the first answer again and do nothing twice;
 * the same key with another request is a 422; while the first still runs, a 409.
 * Pure decisions and the sealing of a kept answer; the store keeps the record
 * (store/idempotency-store.ts), the middleware runs the protocol (shared/idempotency.ts).
 *
 * A kept answer may hold a secret (a new subscription's signing secret), so it is stored
 * sealed with AES-256-GCM under a key derived from the caller's API key and the
 * Idempotency-Key: neither is stored (API keys only as hashes, the Idempotency-Key as a hash),
 * so only a caller who presents both again can read it.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { type ErrorItem, HubError, invalidInput } from './errors.ts';

/** How long a key and its answer are kept (the TTL attribute of its item). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** The header, lower-cased as the normalized event carries it. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** 1 to 255 visible ASCII characters (RFC 9110's VCHAR). */
const KEY_FORM = /^[\x21-\x7e]{1,255}$/;

const HEADER_ERROR: ErrorItem = { path: '/headers/idempotency-key', message: 'must be 1 to 255 visible ASCII characters' };

/** The key as sent, or a 400 when it is malformed; undefined when the request carries none. */
export function parseIdempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!KEY_FORM.test(raw)) throw invalidInput('Idempotency-Key must be 1 to 255 visible ASCII characters.', [HEADER_ERROR]);
  return raw;
}

const sha256 = (...parts: string[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${Buffer.byteLength(p)}:${p}`);
  return h.digest('base64url');
};

/** What the record is stored under: the key's hash (never the key itself). */
export const idempotencyKeyHash = (key: string): string => sha256('idempotency-key', key);

/** What makes two requests "the same": method, path, query and body exactly as sent. */
export const requestFingerprint = (r: { method: string; path: string; query: string; body: string }): string =>
  sha256('request', r.method, r.path, r.query, r.body);

/** The answer kept for a key: what a repeat is answered. */
export interface KeptAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers of the first answer that a repeat carries again (not the request id: each request has its own). */
const KEPT_HEADERS = new Set(['content-type', 'location', 'link', 'retry-after']);

export function keptAnswer(r: { statusCode?: number; headers?: Record<string, unknown>; body?: string }): KeptAnswer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(r.headers ?? {})) {
    if (KEPT_HEADERS.has(name.toLowerCase()) && value !== undefined) headers[name.toLowerCase()] = String(value);
  }
  return { statusCode: r.statusCode ?? 200, headers, body: r.body ?? '' };
}

/** Only a success is kept: a refused request (4xx, 5xx) did nothing and may be sent again with its key. */
export const isKept = (statusCode: number | undefined): boolean => statusCode !== undefined && statusCode >= 200 && statusCode < 300;

const sealKey = (apiKey: string, idempotencyKey: string): Buffer =>
  Buffer.from(hkdfSync('sha256', apiKey, idempotencyKey, 'mixticket idempotent answer', 32));

/** The answer sealed for storage: `v1.<iv>.<tag>.<ciphertext>`, base64url. */
export function sealAnswer(answer: KeptAnswer, apiKey: string, idempotencyKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(apiKey, idempotencyKey), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** The kept answer, or null when it cannot be opened with these keys. */
export function openAnswer(sealed: string, apiKey: string, idempotencyKey: string): KeptAnswer | null {
  const [v, iv, tag, data] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || data === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(apiKey, idempotencyKey), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const text = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as KeptAnswer;
  } catch {
    return null;
  }
}

/** A record of a key as the store keeps it. */
export interface IdempotencyRecord {
  fingerprint: string;
  /** `running` until the first request's answer is kept. */
  state: 'running' | 'done';
  /** Epoch ms after which a `running` record is abandoned (its function ended without answering). */
  lockedUntil: number;
  /** The sealed answer, once `done`. */
  answer?: string;
}

/** What a request whose key is already recorded gets: the first answer, or a problem. */
export type Decision = { replay: string } | { error: HubError };

export function decide(record: IdempotencyRecord, fingerprint: string): Decision {
  if (record.fingerprint !== fingerprint) {
    return {
      error: new HubError(
        'idempotency-key-reused',
        'This Idempotency-Key was used within the last 24 hours for another request (another path or body); nothing was done. Use a new key for a new request.',
      ),
    };
  }
  if (record.state === 'running' || record.answer === undefined) {
    return {
      error: new HubError(
        'conflict',
        'The first request with this Idempotency-Key is still running; nothing was done. Send it again shortly to get its answer.',
      ),
    };
  }
  return { replay: record.answer };
}
