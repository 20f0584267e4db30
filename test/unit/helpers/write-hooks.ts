/**
 * What the next writes of an in-memory store meet, as the real stores would: a racing writer, lost
 * races, a failure of storage. Every in-memory store with a write path carries these hooks.
 */
import { ConcurrentChangeError } from '../../../functions/domain/errors.ts';
import { assertTransactionSize } from '../../../functions/store/transact.ts';

export interface WriteHooks {
  /** Runs once right before the next write: another request writing first. */
  race: null | (() => void);
  /** How many writes to come lose a race (ConcurrentChangeError, nothing written). */
  loseNext: number;
  /** Thrown (once) by the next write instead of writing: a throttle, an outage. */
  failNext: Error | null;
}

export const writeHooks = (): WriteHooks => ({ race: null, loseNext: 0, failNext: null });

/**
 * Runs the hooks of a write about to happen, in this order: the transaction's size (when given),
 * the racing writer, the failure, the lost race.
 */
export function meetHooks(hooks: WriteHooks, transactionItems?: number): void {
  if (transactionItems !== undefined) assertTransactionSize(transactionItems);
  const race = hooks.race;
  hooks.race = null;
  race?.();
  const failure = hooks.failNext;
  hooks.failNext = null;
  if (failure) throw failure;
  if (hooks.loseNext > 0) {
    hooks.loseNext--;
    throw new ConcurrentChangeError();
  }
}

/** The items of a map at these identities (agency and number), as copies. */
export function pickByIdentity<T>(
  stored: ReadonlyMap<string, T>,
  ids: readonly { agency: string; number: string }[],
  keyOf: (agency: string, number: string) => string,
): Map<string, T> {
  const out = new Map<string, T>();
  for (const i of ids) {
    const key = keyOf(i.agency, i.number);
    const found = stored.get(key);
    if (found) out.set(key, structuredClone(found));
  }
  return out;
}
