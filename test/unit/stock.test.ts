/** The pure stock arithmetic: exact unit conversion, balances under movements and counts in the order of their own times. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { applyCounts, applyMovements, type Movement, stockRow } from '../../functions/domain/stock.ts';
import { convert, formatRatio, ratioOf } from '../../functions/domain/units.ts';

const conv = (value: string, from: string, to: string, density?: number) => {
  const c = convert(ratioOf(value), from, to, density);
  return c.ok ? formatRatio(c.value) : c.reason;
};
const key = { agency: 'AssignedBySeller', number: 'P-1', location: null };
const m = (at: number, type: Movement['type'], value: string, uom = 'KGM', id = `${type}-${at}`): Movement => ({
  at,
  type,
  id,
  value,
  uom,
});

describe('unit conversion (UN/ECE rec 20)', () => {
  test('mass and volume by their exact factors', () => {
    assert.equal(conv('1', 'LBR', 'KGM'), '0.45359237');
    assert.equal(conv('2.5', 'TNE', 'GRM'), '2500000');
    assert.equal(conv('1', 'GLL', 'LTR'), '3.785411784');
    assert.equal(conv('0.001', 'MTQ', 'LTR'), '1');
    assert.equal(conv('1', 'KGM', 'LBR'), '2.204622622');
  });
  test('across mass and volume only by a density, never guessed', () => {
    assert.equal(conv('10', 'LTR', 'KGM', 1.32), '13.2');
    assert.equal(conv('1000', 'KGM', 'LTR', 1.32), '757.575757576');
    assert.match(conv('10', 'LTR', 'KGM'), /needs the component's density/);
    assert.match(conv('10', 'EA', 'KGM'), /EA is not a mass or volume unit/);
    assert.equal(conv('3', 'EA', 'EA'), '3');
  });
});

describe('balances', () => {
  test('sums stay exact per unit and may go negative', () => {
    const b = applyMovements(null, key, [
      m(1, 'receipt', '0.1'),
      m(2, 'receipt', '0.2'),
      m(3, 'dispensed', '-0.7'),
      m(4, 'dispensed', '-2', 'LBR'),
    ]);
    assert.deepEqual(b.sums, { KGM: '-0.4', LBR: '-2' });
    assert.equal(b.lastMovementAt, 4);
    const row = stockRow(b, { agency: key.agency, number: key.number, name: 'P', uom: 'KGM' }, null);
    assert.equal(row.quantity.value, '-1.30718474');
    assert.equal(row.kilograms, '-1.30718474');
  });
  test('a count sets the level at its time; movements before it stay out, after it on top', () => {
    const before = applyMovements(null, key, [m(10, 'receipt', '100'), m(30, 'dispensed', '-5')]);
    const counted = applyCounts(before, key, [m(20, 'count', '50')], [m(30, 'dispensed', '-5')]);
    assert.deepEqual(counted.count, { at: 20, id: 'count-20', value: '50', uom: 'KGM' });
    assert.deepEqual(counted.sums, { KGM: '-5' });
    assert.equal(counted.lastMovementAt, 30);
    // A late movement dated before the count: ledger only.
    assert.deepEqual(applyMovements(counted, key, [m(15, 'dispensed', '-9')]).sums, { KGM: '-5' });
    // An older count: ledger only; a newer one wins.
    assert.deepEqual(applyCounts(counted, key, [m(5, 'count', '1')], []).count?.value, '50');
    assert.deepEqual(applyCounts(counted, key, [m(40, 'count', '7'), m(35, 'count', '8')], []).count?.value, '7');
  });
  test('what cannot be converted is listed, not summed', () => {
    const b = applyMovements(null, key, [m(1, 'receipt', '10', 'LTR'), m(2, 'receipt', '4')]);
    const row = stockRow(b, { agency: key.agency, number: key.number, name: 'P', uom: 'KGM' }, null);
    assert.equal(row.quantity.value, '4');
    assert.equal(row.unconverted?.[0]?.quantity.uom, 'LTR');
  });
});
