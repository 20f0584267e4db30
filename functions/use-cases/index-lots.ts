/**
 * Use case: the lot index of records stored before it existed (the backfill's part `lots`,
 * store/backfill.ts). A record whose figures were counted by earlier code (a derived state
 * without remembered lot entries, or the `aggregated` mark of a record written before the derive
 * engine, still at its first revision) gets the lot entries of the revision counted, written
 * together with its derived state, which then remembers them (conditioned on the revision
 * counted and on no entries being remembered yet): a record the engine counts meanwhile, or a
 * second run, writes nothing. Records not counted yet are the engine's (it writes their entries).
 */
import { identityKey } from '../domain/documents.ts';
import { isConcurrentChange } from '../domain/errors.ts';
import { type LotRef, lotEntries, lotIndexStep, lotKey, lotsOf } from '../domain/lots.ts';
import { type DerivedState, type RecordHead, type RecordLotsWrite, recordFigures } from '../domain/record-figures.ts';

type Identity = { agency: string; number: string };

export type { RecordLotsWrite };

/** The reads and the write of the lot backfill (store/derive-store.ts `lotBackfillStore`). */
export interface LotBackfillStore {
  loadHeads(facilityId: string, identities: readonly Identity[]): Promise<ReadonlyMap<string, RecordHead>>;
  loadDerived(facilityId: string, identities: readonly Identity[]): Promise<ReadonlyMap<string, DerivedState>>;
  loadSeenLots(facilityId: string, lots: readonly LotRef[]): Promise<ReadonlySet<string>>;
  /** How many actions one atomic write may hold. */
  readonly maxActions: number;
  /** Writes all or nothing; the derived state no longer at the revision read (or already remembering entries) → ConcurrentChangeError. */
  saveRecordLots(write: RecordLotsWrite): Promise<void>;
}

/** Indexes the lots of these records where earlier code counted them without; answers how many it indexed and how many it left (too large for one write). */
export async function indexLegacyLots(
  store: LotBackfillStore,
  facilityId: string,
  identities: readonly Identity[],
): Promise<{ indexed: number; tooLarge: number }> {
  const [heads, derived] = await Promise.all([store.loadHeads(facilityId, identities), store.loadDerived(facilityId, identities)]);
  let indexed = 0;
  let tooLarge = 0;
  for (const identity of identities) {
    const id = identityKey(identity.agency, identity.number);
    const head = heads.get(id);
    const stored = derived.get(id);
    if (!head) continue;
    let base: { expectedRevision: number | null; state: DerivedState };
    if (stored) {
      if (stored.lots !== undefined || stored.revision !== head.revision) continue;
      base = { expectedRevision: stored.revision, state: stored };
    } else if (head.aggregated && head.revision === 1) {
      base = { expectedRevision: null, state: { revision: 1, figures: recordFigures(head) } };
    } else continue;
    const step = lotIndexStep(undefined, lotEntries(head));
    const lots = lotsOf(step.puts);
    const seen = lots.length === 0 ? new Set<string>() : await store.loadSeenLots(facilityId, lots);
    const write: RecordLotsWrite = {
      facilityId,
      record: identity,
      expectedRevision: base.expectedRevision,
      state: { ...base.state, lots: step.hashes },
      lots: { puts: step.puts, deletes: [], seen: lots.filter((l) => !seen.has(lotKey(l))) },
    };
    if (1 + write.lots.puts.length + write.lots.seen.length > store.maxActions) {
      tooLarge++;
      continue;
    }
    try {
      await store.saveRecordLots(write);
      indexed++;
    } catch (e) {
      // Counted meanwhile by the engine (which writes the entries itself), or indexed by a concurrent run.
      if (!isConcurrentChange(e)) throw e;
    }
  }
  return { indexed, tooLarge };
}
