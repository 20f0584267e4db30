/**
 * Signed cursors: what a Link: rel="next" carries so that the next page starts where this one
 * ended. A cursor is `{payload}.{mac}` (base64url), the MAC an HMAC-SHA256 with the stack's
 * own secret over the payload and its binding (the key, facility and stream or query it was
 * issued for). A forged, altered or borrowed cursor opens to null: the caller's 400.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const mac = (secret: Uint8Array, binding: readonly string[], payload: string): Buffer =>
  createHmac('sha256', secret).update(JSON.stringify(binding)).update('\n').update(payload).digest();

/** Seals `payload` (already URL-safe text) for exactly this binding. */
export function signCursor(payload: string, secret: Uint8Array, binding: readonly string[]): string {
  return `${payload}.${mac(secret, binding, payload).toString('base64url')}`;
}

/** The payload of a cursor this hub issued for this binding; null for any other text. */
export function openCursor(raw: string, secret: Uint8Array, binding: readonly string[]): string | null {
  const dot = raw.lastIndexOf('.');
  if (dot <= 0) return null;
  const payload = raw.slice(0, dot);
  const given = Buffer.from(raw.slice(dot + 1), 'base64url');
  const expected = mac(secret, binding, payload);
  return given.length === expected.length && timingSafeEqual(given, expected) ? payload : null;
}
