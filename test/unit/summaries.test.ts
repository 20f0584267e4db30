/** Summaries' pure query logic (domain/summaries.ts) and the CSV form (domain/csv.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { toCsv, wantsCsv } from '../../functions/domain/csv.ts';
import type { HubError } from '../../functions/domain/errors.ts';
import { mergePages, pageBounds, parseSummaryQuery, queryBinding, summaryPartitions } from '../../functions/domain/summaries.ts';

describe('summary queries', () => {
  test('parses statuses, one time axis, limit; binds the canonical query', () => {
    const q = parseSummaryQuery({ status: 'open,cancelled,open', createdFrom: '2026-01-01T00:00:00+01:00', limit: '5' });
    assert.deepEqual(q, { statuses: ['cancelled', 'open'], axis: 'created', from: Date.parse('2025-12-31T23:00:00Z'), to: null, limit: 5 });
    assert.equal(
      queryBinding(q),
      queryBinding(parseSummaryQuery({ status: 'cancelled,open', createdFrom: '2025-12-31T23:00Z', limit: '5' })),
    );
    assert.notEqual(queryBinding(q), queryBinding(parseSummaryQuery({ status: 'open', createdFrom: '2025-12-31T23:00Z', limit: '5' })));
    assert.deepEqual(parseSummaryQuery({}), { statuses: null, axis: 'modified', from: null, to: null, limit: 100 });
    for (const bad of [
      { status: 'x' },
      { limit: '1001' },
      { createdTo: 'x' },
      { createdFrom: '2026-01-01T00:00Z', modifiedFrom: '2026-01-01T00:00Z' },
    ]) {
      assert.throws(
        () => parseSummaryQuery(bad),
        (e: HubError) => e.kind === 'invalid-input',
      );
    }
  });

  test('every status by modification time is one partition (the change stream); otherwise one per status', () => {
    assert.deepEqual(summaryPartitions(parseSummaryQuery({})), [{ kind: 'allModified' }]);
    assert.equal(summaryPartitions(parseSummaryQuery({ createdFrom: '2026-01-01T00:00Z' })).length, 7);
    assert.deepEqual(summaryPartitions(parseSummaryQuery({ status: 'open' })), [{ kind: 'status', status: 'open', axis: 'modified' }]);
  });

  test('bounds: to exclusive by construction, the cursor position excluded', () => {
    const q = parseSummaryQuery({ modifiedFrom: '2026-01-01T00:00Z', modifiedTo: '2026-02-01T00:00Z' });
    assert.deepEqual(pageBounds(q, null), { lo: '2026-01-01T00:00:00.000Z', hi: '2026-02-01T00:00:00.000Z', exclude: null });
    const at = '2026-01-15T00:00:00.000Z#AssignedBySender#X';
    assert.deepEqual(pageBounds(q, at), { lo: '2026-01-01T00:00:00.000Z', hi: at, exclude: at });
    assert.ok('2026-02-01T00:00:00.000Z#A#B' > pageBounds(q, null).hi, 'an order at `to` is outside');
  });

  test('merge: newest first across partitions, cursor at the last served while more remain', () => {
    const page = (positions: string[], more = false) => ({ items: positions.map((p) => ({ position: p, item: p })), more });
    assert.deepEqual(mergePages([page(['5', '3', '1']), page(['4', '2'])], 3), { items: ['5', '4', '3'], next: '3' });
    assert.deepEqual(mergePages([page(['5']), page(['4'])], 3), { items: ['5', '4'], next: null });
    assert.deepEqual(mergePages([page(['5', '4'], true)], 2), { items: ['5', '4'], next: '4' });
  });
});

describe('CSV', () => {
  test('RFC 4180 quoting and formula-injection escaping of text cells', () => {
    const csv = toCsv(
      ['a', 'b'],
      [
        ['=1+2', 'x,"y"'],
        ['+1', '@a'],
        ['-1', '\tt'],
        ['\rr', null],
        [{ raw: '-1.5' }, 3],
      ],
    );
    assert.equal(csv, `a,b\r\n'=1+2,"x,""y"""\r\n'+1,'@a\r\n'-1,'\tt\r\n"'\rr",\r\n-1.5,3\r\n`);
    assert.ok(wantsCsv('text/csv'));
    assert.ok(wantsCsv('application/json;q=0.5, text/csv'));
    assert.ok(!wantsCsv('application/json'));
    assert.ok(!wantsCsv(undefined));
  });
});
