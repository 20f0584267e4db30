/**
 * Typed errors of the hub. The domain and the handlers throw these, the stores throw the
 * storage failures below (defined here, in the domain's terms, so that use cases can react to
 * a lost race without importing a store); the one place that turns them into HTTP
 * problem+json responses is shared/problem.ts.
 */

/** One thing wrong with the input, located by a JSON pointer into the request. */
export interface ErrorItem {
  path: string;
  message: string;
}

/** The kinds of failure the contract distinguishes (mapped to 4xx, or 503 for `unavailable`, in shared/problem.ts). */
export type ErrorKind =
  | 'invalid-input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'too-large'
  | 'unsupported-media-type'
  | 'throttled'
  /** An Idempotency-Key sent again with another request (422); one sent again while its first still runs is a `conflict`. */
  | 'idempotency-key-reused'
  /** A conditional request (`If-Match`) whose condition no longer holds (412): nothing was applied. */
  | 'precondition-failed'
  /** A part of the hub is not ready yet (an index still building after an upgrade): retry later. */
  | 'unavailable';

/** Base class: a failure the client can act on, with an optional list of located errors. */
export class HubError extends Error {
  readonly kind: ErrorKind;
  readonly errors: ErrorItem[] | undefined;

  constructor(kind: ErrorKind, detail: string, errors?: ErrorItem[]) {
    super(detail);
    this.name = 'HubError';
    this.kind = kind;
    this.errors = errors && errors.length > 0 ? errors : undefined;
  }
}

export const invalidInput = (detail: string, errors?: ErrorItem[]): HubError => new HubError('invalid-input', detail, errors);
export const notFound = (detail: string, errors?: ErrorItem[]): HubError => new HubError('not-found', detail, errors);
export const conflict = (detail: string, errors?: ErrorItem[]): HubError => new HubError('conflict', detail, errors);
export const tooLarge = (detail: string, errors?: ErrorItem[]): HubError => new HubError('too-large', detail, errors);
export const unauthenticated = (detail: string): HubError => new HubError('unauthenticated', detail);
export const forbidden = (detail: string): HubError => new HubError('forbidden', detail);

/** Why storage, not the client, stopped a request (mapped to 409, 413, 429 or 503 in shared/problem.ts). */
export type StorageFailure =
  /** Another writer changed an item between a read and the write: read again and retry. */
  | 'concurrent-change'
  /** Rounds of read-decide-write kept losing to other writers: nothing was applied. */
  | 'kept-changing'
  /** One atomic write would need more actions than a DynamoDB transaction carries. */
  | 'too-many-writes'
  /** DynamoDB or S3 kept throttling after the SDK's own retries. */
  | 'throttled'
  /** A Query named an index the table does not have yet (added by an upgrade, still building on AWS). */
  | 'index-building'
  /** DynamoDB or S3 could not be reached (connection refused or cut, timed out) after the SDK's own retries. */
  | 'unavailable';

/** What the stores throw when storage, not the client, stops a request. The stores know nothing of HTTP. */
export class StorageError extends Error {
  readonly failure: StorageFailure;

  constructor(failure: StorageFailure, message: string) {
    super(message);
    this.name = 'StorageError';
    this.failure = failure;
  }
}

/**
 * Another writer changed an item between our read and our write: read again and retry.
 * `found` is set when the store can tell what it met instead: per item of the write, the
 * stored item whose condition failed, or undefined where the condition held.
 */
export class ConcurrentChangeError extends StorageError {
  readonly found: readonly (Record<string, unknown> | undefined)[] | undefined;
  constructor(found?: readonly (Record<string, unknown> | undefined)[]) {
    super('concurrent-change', 'an item changed while the request was applied');
    this.found = found;
  }
}

/** True when a write lost a race to another writer (nothing of it was applied). */
export const isConcurrentChange = (error: unknown): error is ConcurrentChangeError =>
  error instanceof StorageError && error.failure === 'concurrent-change';
