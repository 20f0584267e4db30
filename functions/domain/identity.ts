/**
 * The identity rules of the schemas, for input that arrives outside a validated body (path and
 * query parameters): the agency code list and the identity key (an order's or record's number).
 * Both come from schemas/common.schema.json itself, the list and limits the compiled validators
 * use, so a parameter is accepted exactly when the same value in a body would be.
 */

import common from '../../schemas/common.schema.json' with { type: 'json' };
import { invalidInput } from './errors.ts';

const { agency, identityKey } = common.definitions;

/** The agency code list, in the standard's order. */
export const AGENCY_CODES: readonly string[] = agency.enum;

/** Identity key bounds, in characters (code points) as JSON Schema and ajv count them. */
export const IDENTITY_KEY = {
  minLength: identityKey.minLength,
  maxLength: identityKey.maxLength,
  pattern: new RegExp(identityKey.pattern, 'u'),
} as const;

export const isAgencyCode = (s: unknown): s is string => typeof s === 'string' && AGENCY_CODES.includes(s);

/** Length in code points, as JSON Schema's maxLength counts (a lone surrogate counts as one). */
export const codePointLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** True when `s` is a number (identity key) a validated body could carry. */
export function isIdentityKey(s: unknown): s is string {
  if (typeof s !== 'string' || !s.isWellFormed()) return false;
  const length = codePointLength(s);
  return length >= IDENTITY_KEY.minLength && length <= IDENTITY_KEY.maxLength && IDENTITY_KEY.pattern.test(s);
}

/** The agency of `?agency=`, or a 400 naming the parameter and the list. */
export function parseAgencyParam(value: string): string {
  if (isAgencyCode(value)) return value;
  throw invalidInput(`agency must be one of the standard's agency codes: ${AGENCY_CODES.join(', ')}.`, [
    { path: '/queryStringParameters/agency', message: 'not an agency code' },
  ]);
}

/** A work order number of the path, or a 400: the rules of the schema's identity key. */
export function parseNumberParam(value: string, name: string): string {
  if (isIdentityKey(value)) return value;
  throw invalidInput(
    `${name} must be ${IDENTITY_KEY.minLength} to ${IDENTITY_KEY.maxLength} characters without control characters, as in the documents.`,
    [{ path: `/pathParameters/${name}`, message: `invalid ${name}` }],
  );
}
