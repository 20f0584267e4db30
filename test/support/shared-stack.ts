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
