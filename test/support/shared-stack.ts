/** The integration tier's one stack, as a test file reaches it (vitest's `inject`). */
import { inject } from 'vitest';
import { keysOf, type LocalStack } from './local-stack.ts';

/** A stack this file did not start. */
export type SharedStack = Omit<LocalStack, 'child'>;

/**
 * The integration tier's one stack, started by its globalSetup (test/support/global-stack.ts).
 * Stopping or destroying it from a file does nothing: the tier's teardown does that.
 */
export function sharedStack(): SharedStack {
  const { baseUrl, dataDir, env } = inject('stack');
  return { baseUrl, dataDir, env, ...keysOf(env), stop: async () => null, destroy: async () => undefined };
}

/**
 * The facilities of one test file, unique across files and runs on the shared stack: `next()`
 * gives a fresh one per test (`{prefix}-{pid}-{n}`), `first(count)` the names the first
 * `count` calls of next() give (for a key made up front that covers them).
 */
export function facilityNames(prefix: string): { next: () => string; first: (count: number) => string[] } {
  let used = 0;
  const name = (i: number) => `${prefix}-${process.pid}-${i}`;
  return { next: () => name(++used), first: (count) => Array.from({ length: count }, (_, i) => name(i + 1)) };
}
