/**
 * Typed errors of the hub. The domain and the handlers throw these; the one
 * place that turns them into HTTP problem+json responses is shared/problem.ts.
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
