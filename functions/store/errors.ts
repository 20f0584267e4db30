/**
 * How the stores recognise storage failures in what the AWS SDK throws. The stores know
 * nothing of HTTP: shared/problem.ts is the one place that maps these to responses.
 */

import { StorageError } from '../domain/errors.ts';

/** The error names AWS uses for throttling (DynamoDB and S3), after the SDK's retries. */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'SlowDown',
]);

/** True when an AWS SDK error (or a cancelled transaction) means "throttled". */
export function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] } | null;
  if (!e?.name) return false;
  if (THROTTLING.has(e.name)) return true;
  return e.name === 'TransactionCanceledException' && (e.CancellationReasons ?? []).some((r) => r.Code === 'ThrottlingError');
}

/** Network errors that mean "storage cannot be reached": nothing is wrong with the request itself. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * True when an SDK call failed because storage could not be reached: a connection refused or
 * cut (DynamoDB Local stopped or restarting), or the SDK's own connection or request timeout.
 */
export function isUnreachable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string; errors?: unknown[] } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code !== undefined && UNREACHABLE.has(e.code)) return true;
  // The SDK's HTTP handler names its connection and socket timeouts so.
  if (e.name === 'TimeoutError') return true;
  if (/socket hang up/i.test(e.message ?? '')) return true;
  // Node reports a refused connection to several addresses as one AggregateError.
  return Array.isArray(e.errors) && e.errors.some(isUnreachable);
}

/**
 * An SDK middleware body for both clients: a throttling error that survived the SDK's
 * retries leaves the store as StorageError('throttled'), storage that cannot be reached as
 * StorageError('unavailable'); anything else passes unchanged.
 */
export function throttlingAsStorageError<A, R>(next: (args: A) => Promise<R>): (args: A) => Promise<R> {
  return async (args) => {
    try {
      return await next(args);
    } catch (e) {
      if (isThrottling(e)) throw new StorageError('throttled', `storage throttled: ${(e as Error).name}`);
      if (isUnreachable(e)) throw new StorageError('unavailable', `storage unreachable: ${(e as Error).message}`);
      throw e;
    }
  };
}

/** A Query on an index the table does not have (yet): DynamoDB's ValidationException says so. */
export function asIndexBuilding(error: unknown, index: string): never {
  const e = error as { name?: string; message?: string } | null;
  if (e?.name === 'ValidationException' && /index/i.test(e.message ?? '')) {
    throw new StorageError('index-building', `index ${index} is not available: ${e.message}`);
  }
  throw error;
}
