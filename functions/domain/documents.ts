/** Document-level rules shared by every pushed document kind. */
import { type ErrorItem, tooLarge } from './errors.ts';

/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** Escapes a property name as a JSON pointer token (RFC 6901). */
export const pointerToken = (name: unknown): string => String(name).replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Identity of a document within a facility (an order, a record: agency and number), usable
 * as a Map key. The one identity function of every document kind.
 */
export const identityKey = (agency: string, number: string): string => JSON.stringify([agency, number]);

/** True for a JSON object: the one plain-object guard of the code base. */
export const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The standard declares its booleans as strings; JSON booleans are accepted too (the
 * schema allows both) and stored and served as the strings "true" / "false".
 * After validation a JSON boolean can only sit where the schema allows a flag.
 */
export function stringifyBooleans<T>(value: T): T {
  if (typeof value === 'boolean') return String(value) as T;
  if (Array.isArray(value)) return value.map(stringifyBooleans) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = stringifyBooleans(v);
    return out as T;
  }
  return value;
}

/**
 * Enforces the stored-size limits: each document fits one DynamoDB item, and the whole
 * batch fits one transaction. Names every document that is too large by its index.
 */
export function enforceStoredSizes(
  docs: readonly unknown[],
  pointer: string,
  limits: { maxStoredDocumentBytes: number; maxBatchStoredBytes: number },
): number[] {
  const sizes = docs.map((d) => Buffer.byteLength(JSON.stringify(d)));
  const errors: ErrorItem[] = [];
  sizes.forEach((size, i) => {
    if (size > limits.maxStoredDocumentBytes) {
      errors.push({ path: `${pointer}/${i}`, message: `${size} bytes; at most ${limits.maxStoredDocumentBytes} per document` });
    }
  });
  if (errors.length > 0) {
    throw tooLarge(
      `A document may be at most ${limits.maxStoredDocumentBytes} bytes as JSON; nothing in this request was applied.`,
      errors,
    );
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > limits.maxBatchStoredBytes) {
    throw tooLarge(
      `The documents total ${total} bytes; at most ${limits.maxBatchStoredBytes} apply in one request. Send fewer documents per request.`,
    );
  }
  return sizes;
}
