/**
 * Components, recipes and purchase orders in memory (the port of use-cases/push-master-data.ts),
 * with the optimistic lock and the transaction size of the real store
 * (functions/store/master-data-store.ts), and hooks for racing writers and storage failures.
 */
import { identityKey } from '../../../functions/domain/documents.ts';
import { ConcurrentChangeError } from '../../../functions/domain/errors.ts';
import type { MasterKind, MasterState, MasterWrite } from '../../../functions/domain/master-data.ts';
import type { MasterDataStore } from '../../../functions/use-cases/push-master-data.ts';
import { meetHooks, pickByIdentity } from './write-hooks.ts';

type Identity = { agency: string; number: string };

export function memoryMasterDataStore() {
  const kinds: Record<MasterKind, Map<string, MasterState>> = { component: new Map(), recipe: new Map(), purchaseOrder: new Map() };
  const store = {
    kinds,
    /** How many writes to come lose a race (throw ConcurrentChangeError, nothing written). */
    loseNext: 0,
    /** Thrown by the next write instead of writing (a storage failure). */
    failNext: null as Error | null,
    /** Runs once before the next write: a racing writer. */
    race: null as null | (() => void),
    async loadMasters(kind: MasterKind, _facility: string, ids: readonly Identity[]) {
      return pickByIdentity(kinds[kind], ids, identityKey);
    },
    async writeMasters(kind: MasterKind, writes: readonly MasterWrite[]) {
      meetHooks(store, writes.length);
      const stored = kinds[kind];
      for (const w of writes) {
        if ((stored.get(identityKey(w.next.agency, w.next.number))?.version ?? 0) !== w.expectedVersion) throw new ConcurrentChangeError();
      }
      for (const w of writes)
        stored.set(identityKey(w.next.agency, w.next.number), { ...structuredClone(w.next), version: w.expectedVersion + 1 });
    },
  };
  return store satisfies MasterDataStore;
}
