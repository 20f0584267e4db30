/**
 * JSON answers whose quantities are exact decimal text: each `value` (and the named keys)
 * holding decimal text is written as a JSON number digit for digit, never through a float.
 */
import type { HubResult } from './middleware.ts';

const EXACT = '\u0000';

/** 200 with a JSON body in which string values of these keys that are decimal text become numbers. */
export function exactJson(body: unknown, keys: readonly string[] = ['value']): HubResult {
  const text = JSON.stringify(body, (key, value) =>
    keys.includes(key) && typeof value === 'string' && /^-?\d+(?:\.\d+)?$/.test(value) ? EXACT + value : value,
  ).replace(/"\\u0000(-?\d+(?:\.\d+)?)"/g, '$1');
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: text };
}
