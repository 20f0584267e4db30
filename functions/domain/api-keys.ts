/**
 * API keys: `mtk_{keyId}_{secret}`. The key id is public (it names the key in lists and
 * logs); the secret is 256 random bits and is kept only as its SHA-256 hash, which
 * needs no slow hash because it is not guessable like a password.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalidInput } from './errors.ts';
import { isFacilityId } from './facility.ts';
import { canonicalTimeZone } from './time.ts';

/**
 * The two sides of the standard (the ERP and the plant's process control system), and the people
 * who run the stack (`operator`: reads everything of its facilities but polls, writes nothing but
 * a subscription's replay and enable).
 */
export type Role = 'erp' | 'pcs' | 'operator';

/** Every role, in the order messages list them. */
export const ROLES: readonly Role[] = ['erp', 'pcs', 'operator'];

export const isRole = (value: unknown): value is Role => ROLES.includes(value as Role);

/** Roles whose keys may cover every facility of the stack (`*`). */
const ALL_FACILITY_ROLES: readonly Role[] = ['erp', 'operator'];

/**
 * The document form a key is served by default: the standard's canonical one, or its older
 * PascalCase form as the .NET library reads it (`legacy`) or as the sample files have it
 * (`legacy-numeric`, integer codes).
 */
export type DocumentFormat = 'canonical' | 'legacy' | 'legacy-numeric';

/** Every document form, in the order messages list them. */
export const DOCUMENT_FORMATS: readonly DocumentFormat[] = ['canonical', 'legacy', 'legacy-numeric'];

export const isDocumentFormat = (value: unknown): value is DocumentFormat => DOCUMENT_FORMATS.includes(value as DocumentFormat);

const KEY_PATTERN = /^mtk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A stored key: everything but the secret. */
export interface ApiKeyRecord {
  keyId: string;
  name: string;
  role: Role;
  facilities: string[];
  format: DocumentFormat;
  /** The IANA zone in which this client writes date-times that carry none; null: such date-times are refused. */
  timeZone: string | null;
  createdAt: string;
  revokedAt: string | null;
  secretHash: string;
  /** When the key was last seen by the authorizer (at most 5 minutes stale); absent: never since this was kept. */
  lastUsedAt?: string | null;
}

/** Whether the authorizer should write the key's last use now: the stored one is missing or older than `everyMs`. */
export function lastUseDue(record: Pick<ApiKeyRecord, 'lastUsedAt'>, now: number, everyMs: number): boolean {
  return !record.lastUsedAt || now - Date.parse(record.lastUsedAt) >= everyMs;
}

export interface NewKeySpec {
  role: string;
  facilities: string[];
  name?: string;
  format?: string;
  timeZone?: string;
}

/** Checks a key request; throws a 400-kind error saying what is wrong. */
export function validateKeySpec(spec: NewKeySpec): {
  role: Role;
  facilities: string[];
  name: string;
  format: DocumentFormat;
  timeZone: string | null;
} {
  if (!isRole(spec.role)) throw invalidInput(`role must be ${ROLES.join(', ')}.`);
  const role = spec.role;
  if (spec.facilities.length === 0) throw invalidInput('name at least one facility (--facility ID).');
  for (const f of spec.facilities) {
    if (f === '*') {
      if (!ALL_FACILITY_ROLES.includes(role)) throw invalidInput("only erp and operator keys may cover every facility ('*').");
    } else if (!isFacilityId(f)) {
      throw invalidInput(`facility ${JSON.stringify(f)} is not a valid facility id (1-64 of A-Z a-z 0-9 . _ -).`);
    }
  }
  const format = spec.format ?? 'canonical';
  if (!isDocumentFormat(format)) throw invalidInput(`format must be ${DOCUMENT_FORMATS.join(', ')}.`);
  const timeZone = spec.timeZone === undefined ? null : canonicalTimeZone(spec.timeZone.trim());
  if (spec.timeZone !== undefined && timeZone === null) {
    throw invalidInput(
      `time zone ${JSON.stringify(spec.timeZone)} is not an IANA time zone name (e.g. America/Chicago, Europe/Berlin, UTC).`,
    );
  }
  const name = (spec.name ?? '').trim();
  if (name.length > 200) throw invalidInput('name is longer than 200 characters.');
  return { role, facilities: [...new Set(spec.facilities)], name, format, timeZone };
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Makes a new key: the record to store and the key to hand out once. */
export function generateKey(spec: NewKeySpec, now: Date): { key: string; record: ApiKeyRecord } {
  const valid = validateKeySpec(spec);
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return {
    key: `mtk_${keyId}_${secret}`,
    record: { keyId, ...valid, createdAt: now.toISOString(), revokedAt: null, secretHash: hashSecret(secret) },
  };
}

/** Splits a presented key into id and secret, or null if it cannot be one of ours. */
export function parseKey(presented: string | undefined): { keyId: string; secret: string } | null {
  const m = presented ? KEY_PATTERN.exec(presented.trim()) : null;
  return m ? { keyId: m[1]!, secret: m[2]! } : null;
}

/** True when the secret matches the stored hash (constant time) and the key is not revoked. */
export function keyMatches(record: ApiKeyRecord, secret: string): boolean {
  if (record.revokedAt) return false;
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(record.secretHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
