/**
 * The lot backfill (use-cases/index-lots.ts): records counted before the lot index get the
 * entries of the revision counted, once; records the engine has not counted yet, or counted with
 * entries, are left alone.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import { ConcurrentChangeError } from '../../functions/domain/errors.ts';
import { entryKey, lotKey } from '../../functions/domain/lots.ts';
import type { RecordHead, RecordLotsWrite } from '../../functions/domain/record-figures.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { deriveRecords } from '../../functions/use-cases/derive-records.ts';
import { indexLegacyLots } from '../../functions/use-cases/index-lots.ts';
import { workRecord } from '../support/records.ts';
import { memoryDerivedStore } from './helpers/memory-derived-store.ts';

const F = 'plant-7';
const S = 'AssignedBySender';
const q = { value: 9, uom: 'LBR', agency: 'UN_REC_20' as const };

function lotted(number: string): WorkRecordDocument {
  const d = workRecord(number);
  d.productGroup[0]!.product[0]!.sourceContainer = [
    { identifier: [{ agency: S, number: 'T' }], capacity: q, lotIdentifier: { agency: S, number: 'L' } },
  ];
  return d as unknown as WorkRecordDocument;
}
const head = (number: string, extra: Partial<RecordHead> = {}): RecordHead => ({
  agency: S,
  number,
  doc: lotted(number),
  voided: false,
  receivedAt: 0,
  revision: 1,
  aggregated: false,
  pending: false,
  ...extra,
});

function backfillStore() {
  const derived = memoryDerivedStore();
  const store = {
    loadHeads: derived.loadHeads,
    loadDerived: derived.loadDerived,
    loadSeenLots: derived.loadSeenLots,
    maxActions: 100,
    writes: [] as RecordLotsWrite[],
    async saveRecordLots(w: RecordLotsWrite) {
      const current = derived.derived.get(identityKey(w.record.agency, w.record.number));
      if ((current?.revision ?? null) !== w.expectedRevision || current?.lots !== undefined) throw new ConcurrentChangeError();
      derived.derived.set(identityKey(w.record.agency, w.record.number), structuredClone(w.state));
      for (const e of w.lots.puts) derived.lotIndex.set(`${identityKey(w.record.agency, w.record.number)}|${entryKey(e)}`, e);
      for (const l of w.lots.seen) derived.seenLots.add(lotKey(l));
      store.writes.push(w);
    },
  };
  return { derived, store };
}

test('records counted before the lot index are indexed once; pending and already indexed records are left to the engine', async () => {
  const { derived, store } = backfillStore();
  // Written before the engine (aggregated, revision 1, no derived state).
  derived.putHead(head('WR-OLD', { aggregated: true, pending: false }));
  // Counted by the engine before the lot index: derived state without lots.
  derived.putHead(head('WR-MID', { pending: false }));
  derived.derived.set(identityKey(S, 'WR-MID'), { revision: 1, figures: null });
  // Counted with its entries by the current engine.
  derived.putHead(head('WR-NEW'));
  await deriveRecords(derived, F, [{ agency: S, number: 'WR-NEW' }], { sleep: async () => {} });
  // Not counted yet (a correction pending): the engine's.
  derived.putHead(head('WR-PENDING', { revision: 2 }));
  derived.derived.set(identityKey(S, 'WR-PENDING'), { revision: 1, figures: null });

  const ids = ['WR-OLD', 'WR-MID', 'WR-NEW', 'WR-PENDING'].map((number) => ({ agency: S, number }));
  const first = await indexLegacyLots(store, F, ids);
  assert.deepEqual(first, { indexed: 2, tooLarge: 0 });
  assert.deepEqual(
    store.writes.map((w) => [w.record.number, w.expectedRevision]),
    [
      ['WR-OLD', null],
      ['WR-MID', 1],
    ],
  );
  assert.equal(store.writes[1]!.lots.seen.length, 0, 'the lot was seen already (WR-OLD, WR-NEW)');
  assert.ok(derived.derived.get(identityKey(S, 'WR-OLD'))!.figures, 'the counted revision 1, as the engine would read it');
  assert.deepEqual(await indexLegacyLots(store, F, ids), { indexed: 0, tooLarge: 0 }, 'a second run indexes nothing');
});
