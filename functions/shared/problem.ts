/**
 * The one place where errors become HTTP responses: RFC 9457 problem details
 * (`application/problem+json`). Typed hub errors map by kind; the errors middy's own
 * middlewares raise (body parser, validator) are translated; anything else is a 500
 * whose details go to the log, never to the client.
 */

import type { ErrorObject } from 'ajv';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { pointerToken } from '../domain/documents.ts';
import { type ErrorItem, type ErrorKind, HubError, StorageError, type StorageFailure } from '../domain/errors.ts';

/** Status and title of each kind of problem (the OpenAPI document lists the same). */
export const PROBLEM_KINDS: Readonly<Record<ErrorKind, { status: number; title: string }>> = {
  'invalid-input': { status: 400, title: 'Invalid input' },
  unauthenticated: { status: 401, title: 'Missing, unknown or revoked API key' },
  forbidden: { status: 403, title: 'Not allowed for this API key' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict with the current state' },
  'precondition-failed': { status: 412, title: 'Precondition failed' },
  'too-large': { status: 413, title: 'Request too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key already used for another request' },
  throttled: { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'Not available yet' },
};

/** Problem type URIs: stable names a client can switch on. */
export const problemType = (kind: ErrorKind | 'internal'): string => `urn:mixticket:problem:${kind}`;

/** Most errors a response lists; the detail says how many there were. */
const MAX_ERRORS = 100;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: ErrorItem[];
}

/** A problem+json response. */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: {
      'content-type': 'application/problem+json',
      // A throttled client should back off; one second is what the SDK's first retry waits too.
      ...(problem.status === 429 ? { 'retry-after': '1' } : {}),
      // Not ready yet (an index building after an upgrade takes minutes), or storage out of reach.
      ...(problem.status === 503 ? { 'retry-after': '60' } : {}),
      ...headers,
    },
    body: JSON.stringify(problem),
  };
}

/** Problem details for a typed hub error. */
export function problemOf(error: HubError, instance?: string): Problem {
  const { status, title } = PROBLEM_KINDS[error.kind];
  const errors = error.errors?.slice(0, MAX_ERRORS);
  const more = (error.errors?.length ?? 0) - (errors?.length ?? 0);
  return {
    type: problemType(error.kind),
    title,
    status,
    detail: more > 0 ? `${error.message} (${more} further errors not listed)` : error.message,
    ...(instance ? { instance } : {}),
    ...(errors ? { errors } : {}),
  };
}

/** Turns an ajv error into one located message (paths as JSON pointers into the body). */
export function ajvErrorItem(e: ErrorObject, prefix = ''): ErrorItem {
  const p = e.params as Record<string, unknown>;
  let path = prefix + e.instancePath;
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'required') {
    path += `/${pointerToken(p.missingProperty)}`;
    message = 'is required';
  } else if (e.keyword === 'additionalProperties') {
    path += `/${pointerToken(p.additionalProperty)}`;
    message = 'is not a property the standard defines here';
  } else if (e.keyword === 'enum') {
    message = `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { path: path || '/', message };
}

/** What each storage failure means to the client: nothing was applied in every case. */
const STORAGE: Record<StorageFailure, { kind: ErrorKind; detail: (message: string) => string }> = {
  'concurrent-change': {
    kind: 'conflict',
    detail: () => 'The documents changed while this request was applied; nothing was applied. Retry the request.',
  },
  'kept-changing': {
    kind: 'conflict',
    detail: () => 'The documents kept changing while this request was applied; nothing was applied. Retry the request.',
  },
  'too-many-writes': { kind: 'too-large', detail: (m) => `${m} Send fewer documents per request; nothing was applied.` },
  throttled: { kind: 'throttled', detail: () => 'The hub is busy; nothing was applied. Retry after the time in Retry-After.' },
  'index-building': {
    kind: 'unavailable',
    detail: () => 'This search is not available yet: its index is still being built after an upgrade. Retry in a few minutes.',
  },
  unavailable: {
    kind: 'unavailable',
    detail: () =>
      'The hub cannot reach its storage just now. Retry after the time in Retry-After; retrying is safe (a document already applied answers "unchanged").',
  },
};

/** Shape of the errors middy's middlewares throw (http-errors with a `cause`). */
interface MiddyHttpError {
  statusCode: number;
  message: string;
  cause?: { package?: string; data?: unknown; message?: string };
}

const isMiddyError = (e: unknown): e is MiddyHttpError =>
  typeof e === 'object' && e !== null && typeof (e as MiddyHttpError).statusCode === 'number';

/**
 * Maps any thrown value to a HubError when the client caused it, or null when it is
 * the hub's own fault (the caller answers 500 and logs it).
 */
export function toHubError(error: unknown): HubError | null {
  if (error instanceof HubError) return error;
  if (error instanceof StorageError) {
    const { kind, detail } = STORAGE[error.failure];
    return new HubError(kind, detail(error.message));
  }
  // The handler ran out of its time (middy ends it before Lambda would): a report asked for too
  // much, or storage was slow. Not the client's fault, but nothing it should read as a crash.
  if ((error as Error | null)?.name === 'TimeoutError' && (error as MiddyHttpError).cause?.package === '@middy/core') {
    return new HubError(
      'unavailable',
      'The request took longer than the hub allows. Retrying is safe (a document already applied answers "unchanged"); for a report, ask for a shorter range.',
    );
  }
  if (!isMiddyError(error)) return null;
  const pkg = error.cause?.package;
  if (pkg === '@middy/http-json-body-parser') {
    if (error.statusCode === 415) {
      return new HubError('unsupported-media-type', 'Send the body as JSON with Content-Type: application/json.');
    }
    const why = error.cause?.message ? `: ${error.cause.message}` : '';
    return new HubError('invalid-input', `The body is not valid JSON${why}.`);
  }
  if (pkg === '@middy/validator' && error.statusCode === 400) {
    const list = Array.isArray(error.cause?.data) ? (error.cause.data as ErrorObject[]) : [];
    const errors = list.map((e) => ajvErrorItem(e));
    return new HubError(
      'invalid-input',
      `The body does not follow the MixTicket schema (${errors.length} error${errors.length === 1 ? '' : 's'}); nothing was applied.`,
      errors,
    );
  }
  if (error.statusCode >= 400 && error.statusCode < 500) {
    return new HubError(error.statusCode === 415 ? 'unsupported-media-type' : 'invalid-input', error.message);
  }
  return null;
}

/** The 500 answer: nothing of the internals leaks. */
export function internalProblem(instance?: string): Problem {
  return {
    type: problemType('internal'),
    title: 'Internal error',
    status: 500,
    detail:
      'The hub could not complete the request. Retrying is safe: a document already applied answers "unchanged". If it persists, quote the instance to support.',
    ...(instance ? { instance } : {}),
  };
}
