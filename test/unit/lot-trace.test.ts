/**
 * The pure lot trace (domain/lot-trace.ts) and lot index (domain/lots.ts): a record's entries,
 * the breadth-first walk over blend lots with its via chains, cycles that end and are reported,
 * the exception trace's window, voided uses, parties, the query's checks.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError } from '../../functions/domain/errors.ts';
import {
  type LotPartition,
  lotPeriod,
  parseTraceQuery,
  partiesOf,
  possibleRows,
  resolveLotAgency,
  walkAll,
} from '../../functions/domain/lot-trace.ts';
import { entryKey, ingredientLines, type LotLine, lotEntries, lotIndexStep, lotKey } from '../../functions/domain/lots.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { workRecord } from '../support/records.ts';

const S = 'AssignedBySender';
const lot = (number: string) => ({ agency: S, number });
const q = (value: number) => ({ value, uom: 'LBR', agency: 'UN_REC_20' as const });

/** A record using `uses` (null: no lot) on its first line, making `makes`. */
function doc(number: string, uses: string | null, makes?: string, at = '2026-03-02T10:00:00Z'): WorkRecordDocument {
  const r = workRecord(number);
  r.dispensingEndDateTime = at;
  const g = r.productGroup[0]!;
  if (uses)
    g.product[0]!.sourceContainer = [
      { identifier: [{ agency: S, number: 'T' }], capacity: q(99), actualQuantity: q(7), lotIdentifier: lot(uses) as never },
    ];
  if (makes) g.destinationContainer = [{ identifier: [{ agency: S, number: 'B' }], capacity: q(99), lotIdentifier: lot(makes) as never }];
  return r as unknown as WorkRecordDocument;
}

const rev = (number: string, d: WorkRecordDocument, voided = false, revision = 1) => ({
  agency: S,
  number,
  revision,
  doc: d,
  voided,
  receivedAt: Date.parse('2026-03-10T00:00:00Z'),
});

/** Lot partitions built from records' entries, as the index would hold them. */
function partitions(...revs: ReturnType<typeof rev>[]): Map<string, LotPartition> {
  const out = new Map<string, LotPartition>();
  for (const e of revs.flatMap((r) => lotEntries(r))) {
    if (e.kind === 'unlotted') continue;
    const key = lotKey(e);
    const p = out.get(key) ?? { uses: [], made: [], receipts: [] };
    (e.kind === 'use' ? p.uses : p.made).push(e.data);
    out.set(key, p);
  }
  return out;
}

describe('lot index entries of a revision', () => {
  test('a use per lotted source container, a made per lotted destination, an unlotted line per line naming none', () => {
    const entries = lotEntries(rev('WR-1', doc('WR-1', 'L', 'B')));
    assert.deepEqual(
      entries.map((e) => [e.kind, e.number, e.line]),
      [
        ['use', 'L', '0.0.0'],
        ['unlotted', 'P-POTASH', '0.1'],
        ['made', 'B', '0.0'],
      ],
    );
    const use = entries[0]!.data;
    assert.deepEqual(use.quantity, { value: 7, uom: 'LBR' });
    assert.deepEqual(use.destinationLots, [lot('B')]);
    assert.equal(use.dispensedAt, '2026-03-02T10:00:00.000Z');
  });

  test('a voided revision keeps its uses, flagged, and lists no unlotted line', () => {
    const entries = lotEntries(rev('WR-1', doc('WR-1', 'L'), true, 2));
    assert.deepEqual(
      entries.map((e) => [e.kind, e.data.voided]),
      [['use', true]],
    );
  });

  test('the difference between two revisions: a changed lot removes the old entry and writes the new; the same revision again writes nothing', () => {
    const first = lotIndexStep(undefined, lotEntries(rev('WR-1', doc('WR-1', 'L-OLD'))));
    assert.equal(first.deletes.length, 0);
    const again = lotIndexStep(first.hashes, lotEntries(rev('WR-1', doc('WR-1', 'L-OLD'))));
    assert.deepEqual([again.puts, again.deletes], [[], []]);
    const moved = lotIndexStep(first.hashes, lotEntries(rev('WR-1', doc('WR-1', 'L-NEW'), false, 2)));
    assert.deepEqual(
      moved.deletes.map((d) => d.number),
      ['L-OLD'],
    );
    assert.ok(moved.puts.some((p) => p.number === 'L-NEW'));
    // The unlotted line is rewritten only because its revision number changed.
    assert.ok(Object.keys(moved.hashes).includes(entryKey({ kind: 'use', agency: S, number: 'L-NEW', line: '0.0.0' })));
  });

  test('ingredient lines: a lot per container, null for a line naming none', () => {
    assert.deepEqual(
      ingredientLines(doc('WR-1', 'L')).map((l) => l.lot?.number ?? null),
      ['L', null],
    );
  });
});

describe('the forward walk', () => {
  test('direct uses, uses through a blend lot (via), and two levels further', () => {
    const walk = walkAll(
      lot('L'),
      partitions(rev('A', doc('A', 'L', 'B')), rev('B', doc('B', 'L')), rev('C', doc('C', 'B', 'D')), rev('E', doc('E', 'D'))),
    );
    const via = Object.fromEntries([...walk.affected.values()].map((r) => [r.workRecord.number, r.via.map((l) => l.number)]));
    assert.deepEqual(via, { A: [], B: [], C: ['B'], E: ['B', 'D'] });
    assert.deepEqual(walk.cycles, []);
  });

  test('a cycle (a blend lot that is its own ingredient through others) ends and is reported once', () => {
    const walk = walkAll(
      lot('C1'),
      partitions(rev('X', doc('X', 'C1', 'C2')), rev('Y', doc('Y', 'C2', 'C3')), rev('Z', doc('Z', 'C3', 'C1'))),
    );
    assert.equal(walk.affected.size, 3);
    assert.deepEqual(
      walk.cycles.map((c) => c.map((l) => l.number)),
      [['C1', 'C2', 'C3', 'C1']],
    );
    const self = walkAll(lot('S'), partitions(rev('Q', doc('Q', 'S', 'S'))));
    assert.deepEqual(
      self.cycles.map((c) => c.map((l) => l.number)),
      [['S', 'S']],
    );
  });

  test('a lot reached by two paths (a diamond) is walked once, its records listed once at the shallowest depth', () => {
    const walk = walkAll(lot('L'), partitions(rev('A', doc('A', 'L', 'M')), rev('B', doc('B', 'L', 'M')), rev('C', doc('C', 'M'))));
    assert.deepEqual([...walk.affected.keys()].length, 3);
    assert.deepEqual(walk.cycles, []);
  });

  test('voided uses are listed apart and their blends are not followed', () => {
    const walk = walkAll(lot('L'), partitions(rev('A', doc('A', 'L', 'B'), true, 2), rev('C', doc('C', 'B'))));
    assert.equal(walk.affected.size, 0);
    assert.deepEqual(
      [...walk.voided.values()].map((r) => r.workRecord.number),
      ['A'],
    );
  });

  test('the possible window: first receipt or use to last use; unlotted lines outside it and affected records are left out', () => {
    const p = partitions(
      rev('A', doc('A', 'L', undefined, '2026-03-02T10:00:00Z')),
      rev('B', doc('B', 'L', undefined, '2026-03-05T10:00:00Z')),
    );
    const part = p.get(lotKey(lot('L')))!;
    part.receipts.push({
      receiptId: 'R',
      receivedAt: '2026-03-01T00:00:00.000Z',
      component: { agency: 'AssignedBySeller', number: 'P-DAP' },
      quantity: { value: 1, uom: 'LBR' },
      purchaseOrder: null,
      supplier: null,
    });
    assert.deepEqual(lotPeriod(part), { from: '2026-03-01T00:00:00.000Z', to: '2026-03-05T10:00:00.000Z' });
    assert.equal(lotPeriod({ uses: [], made: [], receipts: part.receipts })?.to, null, 'no use yet: open-ended');
    const walk = walkAll(lot('L'), p);
    const unlotted = (number: string): LotLine => ({ ...part.uses[0]!, record: { agency: S, number } });
    const rows = possibleRows(walk, new Map([[lotKey(lot('L')), [unlotted('A'), unlotted('D')]]]));
    assert.deepEqual(
      rows.map((r) => r.workRecord.number),
      ['D'],
    );
  });
});

describe('parties, queries, agencies', () => {
  test("an order's parties: its roles and the other parties by their own type (grower, field)", () => {
    const parties = partiesOf({
      parties: {
        buyer: { identifier: [{ agency: S, number: 'B-1', name: 'Hanson' }] },
        other: [
          { partyType: 'Grower', identifier: [{ agency: S, number: 'G-1', name: 'Ella' }] },
          { identifier: [{ agency: S, number: 'X' }] },
        ],
      },
    });
    assert.deepEqual(
      parties.map((p) => [p.partyType, p.name]),
      [
        ['Buyer', 'Hanson'],
        ['Grower', 'Ella'],
        ['Other', null],
      ],
    );
  });

  test('a lot or a work record, not both; a record is traced backward', () => {
    assert.deepEqual(parseTraceQuery({ lot: 'L' }), { kind: 'lot', number: 'L', agency: null, direction: 'forward' });
    for (const bad of [{}, { lot: 'L', workRecord: 'W' }, { workRecord: 'W', direction: 'forward' as const }]) {
      assert.throws(
        () => parseTraceQuery(bad),
        (e) => e instanceof HubError && e.kind === 'invalid-input',
      );
    }
  });

  test('a lot named by number alone: the one agency the facility knows; two → 400 naming agency; a receipt-only lot is its own', () => {
    assert.equal(resolveLotAgency('L', [S, '-'], '-'), S);
    assert.equal(resolveLotAgency('L', ['-'], '-'), '-');
    assert.equal(resolveLotAgency('L', [], '-'), null);
    assert.throws(
      () => resolveLotAgency('L', [S, 'GS1'], '-'),
      (e) => e instanceof HubError && e.errors?.[0]?.path === '/queryStringParameters/agency',
    );
  });
});
