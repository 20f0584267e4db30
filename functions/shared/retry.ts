/**
 * Optimistic concurrency, the use cases' side: a read-decide-write round is run again when
 * its write lost a race to another writer (each round reads afresh). Depends on the domain's
 * storage failures only, so a use case retries without knowing which store it runs on.
 */
import { isConcurrentChange, StorageError } from '../domain/errors.ts';
import { logger } from './logger.ts';

/** Read-decide-write rounds before a request that keeps meeting concurrent writers gives up. */
const ATTEMPTS = 5;

/**
 * Runs one read-decide-write round, again while it loses a race to another writer (each
 * round reads afresh), and gives up after five lost rounds: nothing was applied.
 */
export async function retryOnConcurrentChange<T>(round: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      return await round(attempt);
    } catch (e) {
      if (!isConcurrentChange(e)) throw e;
      logger.warn('concurrent change, retrying', { attempt });
    }
  }
  throw new StorageError('kept-changing', `the documents kept changing over ${ATTEMPTS} rounds`);
}
