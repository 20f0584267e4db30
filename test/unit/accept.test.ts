/** Content negotiation of the CSV answers: RFC 9110 Accept with q-values (issue 24, finding 7). */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { parseAccept, qualityOf, wantsCsv } from '../../functions/domain/csv.ts';

describe('Accept', () => {
  test('media ranges with their weights; other parameters, bad q-values and bad ranges', () => {
    assert.deepEqual(parseAccept('text/csv;q=0.1, application/json'), [
      { type: 'text', subtype: 'csv', q: 0.1 },
      { type: 'application', subtype: 'json', q: 1 },
    ]);
    assert.deepEqual(parseAccept('Text/CSV; charset="a,b;c"; Q=0.500, */*;q=0'), [
      { type: 'text', subtype: 'csv', q: 0.5 },
      { type: '*', subtype: '*', q: 0 },
    ]);
    // q above 1, four decimals, not a number, no subtype: the range is dropped.
    assert.deepEqual(parseAccept('text/csv;q=1.5, text/csv;q=0.1234, text/csv;q=x, text, , application/json;q=1.000'), [
      { type: 'application', subtype: 'json', q: 1 },
    ]);
  });

  test('the most specific range decides a type’s weight', () => {
    const ranges = parseAccept('*/*;q=0.2, application/*;q=0.5, application/json;q=0.9');
    assert.equal(qualityOf(ranges, 'application/json'), 0.9);
    assert.equal(qualityOf(ranges, 'application/xml'), 0.5);
    assert.equal(qualityOf(ranges, 'text/csv'), 0.2);
    assert.equal(qualityOf([], 'text/csv'), 0);
  });

  test('CSV when text/csv is named and weighs at least as much as JSON', () => {
    for (const accept of [
      'text/csv',
      'text/csv, application/json',
      'application/json;q=0.5, text/csv',
      'text/csv, */*',
      'TEXT/CSV;charset=utf-8',
      'text/csv;q=0.3, */*;q=0.2',
    ])
      assert.equal(wantsCsv(accept), true, accept);
    for (const accept of [
      undefined,
      '',
      'application/json',
      '*/*',
      'text/*',
      'text/csv;q=0.1, application/json',
      'text/csv;q=0',
      'text/csv;q=0.5, */*',
      'text/csvx',
      'text/csv;q=2',
    ])
      assert.equal(wantsCsv(accept), false, String(accept));
  });
});
