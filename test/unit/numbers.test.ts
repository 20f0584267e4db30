import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, test } from 'vitest';
import { consumptionDeltas } from '../../functions/domain/consumption.ts';
import { addDecimal, type Decimal, formatDecimal, parseDecimal, ZERO } from '../../functions/domain/decimal.ts';
import {
  COORDINATE_DECIMAL_PLACES,
  DYNAMODB_NUMBER,
  isExactDecimal,
  MAX_QUANTITY,
  MAX_SIGNIFICANT_DIGITS,
  QUANTITY_DECIMAL_PLACES,
} from '../../functions/domain/numbers.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import {
  validateComponentsRequest,
  validateReceiptsRequest,
  validateStockCountsRequest,
  validateWorkOrderRequest,
  validateWorkRecordRequest,
} from '../../functions/generated/validators.cjs';
import { LIMITS } from '../../functions/shared/config.ts';
import { ajvErrorItem } from '../../functions/shared/problem.ts';
import orderSingle from '../fixtures/canonical/work-order-single.json' with { type: 'json' };
import recordSingle from '../fixtures/canonical/work-record-single.json' with { type: 'json' };
import recordVrt from '../fixtures/canonical/work-record-vrt.json' with { type: 'json' };

type Obj = Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);
/** A number as the hub gets it: JSON text read into a double. */
const wire = (text: string): number => JSON.parse(text) as number;

/** Sets the value at a JSON pointer (the parent must exist). */
function setAt(doc: unknown, pointer: string, value: unknown): void {
  const parts = pointer.split('/').slice(1);
  const last = parts.pop()!;
  let node = doc as Obj;
  for (const p of parts) node = node[p] as Obj;
  node[last] = value;
}

interface Validator {
  (data: unknown): boolean;
  errors?: import('ajv').ErrorObject[] | null;
}
/** The 400's error items (path and message) a body gets, as the hub answers them; [] when valid. */
function problems(validate: Validator, body: unknown): { path: string; message: string }[] {
  return validate(body) ? [] : (validate.errors ?? []).map((e) => ajvErrorItem(e));
}

describe('isExactDecimal: the rule on the shortest decimal text of a double', () => {
  const accepted: [number, number][] = [
    [0, 6],
    [-0, 6],
    [1e15, 6],
    [-1e15, 6],
    [123456789012345, 6], // 15 significant digits
    [123456789.123456, 6], // 15 digits, 6 places
    [0.000001, 6], // 1e-6: 6 places
    [11.06, 6],
    [-93.58871, 12],
    [42.064123456789, 12], // 14 digits, 12 places
    [1e21, 0], // magnitude is the schema's maximum's business, not this rule's
  ];
  for (const [x, places] of accepted) test(`accepts ${x} with ${places} places`, () => assert.ok(isExactDecimal(x, places)));
  const refused: [number, number, string][] = [
    [123456789.12345679, 6, '17 significant digits (sent as 123456789.123456789)'],
    [0.30000000000000004, 6, 'a float sum (17 digits)'],
    [1234567890123456, 6, '16 significant digits'],
    [1.0000001, 6, '7 places'],
    [1e-7, 6, '7 places in exponent form'],
    [5e-324, 6, 'the smallest denormal'],
    [1e-131, 6, 'below DynamoDB'],
    [Number.NaN, 6, 'NaN'],
    [Number.POSITIVE_INFINITY, 6, 'Infinity'],
    [1e-13, 12, '13 places of a coordinate'],
  ];
  for (const [x, places, why] of refused) test(`refuses ${x}: ${why}`, () => assert.equal(isExactDecimal(x, places), false));

  test('every decimal of at most 15 digits and the allowed places is accepted, and reads back as itself', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }), fc.integer({ min: 0, max: 6 }), (units, scale) => {
        const text = formatDecimal({ units, scale });
        const x = Number(text);
        assert.ok(isExactDecimal(x, 6), text);
        assert.equal(formatDecimal(parseDecimal(x)), text);
      }),
    );
  });

  test('MAX_SIGNIFICANT_DIGITS is the 15 the embedded function checks', () => {
    assert.equal(MAX_SIGNIFICANT_DIGITS, 15);
    assert.ok(isExactDecimal(Number('1'.repeat(15)), 0));
    assert.equal(isExactDecimal(Number('1'.repeat(16)), 0), false);
  });
});

const QUANTITY = '/dispensingWorkRecord/0/productGroup/0/product/0/actualQuantity/value';
const AREA = '/dispensingWorkRecord/0/actualArea/value';
const LAT = '/dispensingWorkRecord/0/actualLocation/0/inclusionCoordinates/0/point/0/lat';
const LON = '/dispensingWorkRecord/0/actualLocation/0/inclusionCoordinates/0/point/0/lon';
const recordBody = (pointer: string, value: number) => {
  const body = { dispensingWorkRecord: [clone(recordVrt)] };
  setAt(body, pointer, value);
  return body;
};
const PRECISION_6 = 'must be a decimal number of at most 15 significant digits and 6 decimal places';
const PRECISION_12 = 'must be a decimal number of at most 15 significant digits and 12 decimal places';

describe('the generated validators: each bound at, just inside and just beyond, with the path in the 400', () => {
  const cases: [string, string, number, { path: string; message: string }[]][] = [
    // quantities and areas (valueUnit.value): |x| ≤ 1e15, 6 places
    ['a quantity at the maximum', QUANTITY, 1e15, []],
    ['a quantity just inside the maximum', QUANTITY, 999999999999999, []],
    ['a quantity just beyond the maximum', QUANTITY, 1000000000000010, [{ path: QUANTITY, message: 'must be <= 1000000000000000' }]],
    ['a quantity of 1e126', QUANTITY, 1e126, [{ path: QUANTITY, message: 'must be <= 1000000000000000' }]],
    ['a quantity of 1e300', QUANTITY, 1e300, [{ path: QUANTITY, message: 'must be <= 1000000000000000' }]],
    ['a quantity at the minimum', QUANTITY, -1e15, []],
    ['a quantity just beyond the minimum', QUANTITY, -1000000000000010, [{ path: QUANTITY, message: 'must be >= -1000000000000000' }]],
    [
      'a quantity beyond the maximum with 16 digits',
      QUANTITY,
      1000000000000001,
      [
        { path: QUANTITY, message: 'must be <= 1000000000000000' },
        { path: QUANTITY, message: PRECISION_6 },
      ],
    ],
    ['a quantity of -1e300', QUANTITY, -1e300, [{ path: QUANTITY, message: 'must be >= -1000000000000000' }]],
    ['a quantity with 6 places', QUANTITY, 2396.000001, []],
    ['a quantity with 7 places', QUANTITY, 2396.0000001, [{ path: QUANTITY, message: PRECISION_6 }]],
    ['a quantity of 1e-6', QUANTITY, 1e-6, []],
    ['a quantity of 1e-7', QUANTITY, 1e-7, [{ path: QUANTITY, message: PRECISION_6 }]],
    ['a quantity of 1e-131', QUANTITY, 1e-131, [{ path: QUANTITY, message: PRECISION_6 }]],
    ['a quantity of 5e-324', QUANTITY, 5e-324, [{ path: QUANTITY, message: PRECISION_6 }]],
    ['a quantity of 15 significant digits', QUANTITY, 123456789.123456, []],
    ['a quantity of 17 significant digits', QUANTITY, wire('123456789.123456789'), [{ path: QUANTITY, message: PRECISION_6 }]],
    ['an area of 16 significant digits', AREA, 1234567890.123456, [{ path: AREA, message: PRECISION_6 }]],
    // coordinates: their ranges, 12 places
    ['a latitude at 90', LAT, 90, []],
    ['a latitude beyond 90', LAT, 90.000000000001, [{ path: LAT, message: 'must be <= 90' }]],
    ['a latitude at -90', LAT, -90, []],
    ['a latitude with 12 places', LAT, 42.064123456789, []],
    ['a latitude with 13 places', LAT, 42.0641234567891, [{ path: LAT, message: PRECISION_12 }]],
    ['a latitude of 5e-324', LAT, 5e-324, [{ path: LAT, message: PRECISION_12 }]],
    ['a longitude at -180', LON, -180, []],
    ['a longitude beyond -180', LON, -180.000000000001, [{ path: LON, message: 'must be >= -180' }]],
    ['a longitude of 16 significant digits', LON, wire('-93.588712345678912'), [{ path: LON, message: PRECISION_12 }]],
  ];
  for (const [what, pointer, value, expected] of cases) {
    test(`${what} (${value})`, () => assert.deepEqual(problems(validateWorkRecordRequest, recordBody(pointer, value)), expected));
  }

  test('a work order: its quantities and percentages have the same domain', () => {
    const body = { dispensingWorkOrder: [clone(orderSingle)] };
    setAt(body, '/dispensingWorkOrder/0/productGroup/0/product/0/requestedQuantity/value', 1e126);
    assert.deepEqual(problems(validateWorkOrderRequest, body), [
      { path: '/dispensingWorkOrder/0/productGroup/0/product/0/requestedQuantity/value', message: 'must be <= 1000000000000000' },
    ]);
  });

  const component = (density: number) => ({
    components: [{ identifier: { agency: 'AssignedBySeller', number: 'P-UAN' }, name: 'UAN', uom: 'LTR', density, active: true }],
  });
  const DENSITY = '/components/0/density';
  const densities: [string, number, { path: string; message: string }[]][] = [
    ['at the maximum 100', 100, []],
    ['just beyond 100', 100.000001, [{ path: DENSITY, message: 'must be <= 100' }]],
    ['at the smallest, 1e-6', 1e-6, []],
    ['of 1e-7', 1e-7, [{ path: DENSITY, message: PRECISION_6 }]],
    ['of 5e-324', 5e-324, [{ path: DENSITY, message: PRECISION_6 }]],
    ['of 0', 0, [{ path: DENSITY, message: 'must be > 0' }]],
    ['of 1.32', 1.32, []],
  ];
  for (const [what, density, expected] of densities) {
    test(`a density ${what}`, () => assert.deepEqual(problems(validateComponentsRequest, component(density)), expected));
  }

  /** A request of one stock document (a receipt or a count) of `value` kilograms of P-DAP. */
  const stockDocument = (list: string, id: Record<string, string>, at: string) => (value: number) => ({
    [list]: [
      {
        ...id,
        component: { agency: 'AssignedBySeller', number: 'P-DAP' },
        quantity: { value, uom: 'KGM' },
        [at]: '2026-04-01T14:10:00-05:00',
      },
    ],
  });
  const receipt = stockDocument('receipts', { receiptId: 'R-1' }, 'receivedAt');
  const count = stockDocument('stockCounts', { countId: 'C-1' }, 'countedAt');
  const stock: [string, number, string | null][] = [
    ['at the maximum', 1e15, null],
    ['just beyond the maximum', 1000000000000010, 'must be <= 1000000000000000'],
    ['negative', -1, 'must be >= 0'],
    ['with 6 places', 0.000001, null],
    ['with 7 places', 0.0000001, PRECISION_6],
    ['of 123456789.123456789 (would lose digits)', wire('123456789.123456789'), PRECISION_6],
  ];
  for (const [what, value, message] of stock) {
    test(`a receipt's and a count's quantity ${what}`, () => {
      assert.deepEqual(problems(validateReceiptsRequest, receipt(value)), message ? [{ path: '/receipts/0/quantity/value', message }] : []);
      assert.deepEqual(
        problems(validateStockCountsRequest, count(value)),
        message ? [{ path: '/stockCounts/0/quantity/value', message }] : [],
      );
    });
  }
});

// ---- the aggregates: the largest accepted values, at the fastest rate, for the longest period ----

/**
 * The fastest the hub can feed one roll-up attribute (the consumption items' `q…` sums, added
 * with DynamoDB ADD): one item takes at most 1,000 writes a second (DynamoDB's per-partition
 * limit; a transactional write costs 2 units, so really 500), and one request adds at most one
 * value per product line it carries: a request body has at most LIMITS.maxRequestBytes bytes and
 * a product line with an actual quantity takes at least MIN_LINE_BYTES of them.
 */
const ITEM_WRITES_PER_SECOND = 1000;
const MIN_LINE_BYTES = 60;
const VALUES_PER_REQUEST = Math.floor(LIMITS.maxRequestBytes / MIN_LINE_BYTES);
/** The longest period one attribute covers is a UTC day; a record may be dated any day, so count a whole (leap) year into one attribute. */
const SECONDS_PER_YEAR = 366 * 86_400;
const VALUES_PER_YEAR = BigInt(ITEM_WRITES_PER_SECOND) * BigInt(VALUES_PER_REQUEST) * BigInt(SECONDS_PER_YEAR);

/** Whether DynamoDB stores this decimal exactly: at most 38 significant digits, zero or 1e-130 ≤ |x| < 1e126. */
function fitsDynamoDb(d: Decimal): boolean {
  if (d.units === 0n) return true;
  const digits = (d.units < 0n ? -d.units : d.units).toString();
  const significant = digits.replace(/0+$/, '').length;
  const exponent = digits.length - 1 - d.scale; // x = m × 10^exponent, 1 ≤ m < 10
  return (
    significant <= DYNAMODB_NUMBER.maxDigits &&
    exponent >= Math.log10(DYNAMODB_NUMBER.minMagnitude) &&
    exponent < Math.log10(DYNAMODB_NUMBER.maxExclusiveMagnitude)
  );
}

/** n × d, exactly (the same as adding d n times with addDecimal). */
const times = (d: Decimal, n: bigint): Decimal => ({ units: d.units * n, scale: d.scale });

describe('the aggregates cannot overflow what DynamoDB stores', () => {
  test('the shortest product line with an actual quantity is at least MIN_LINE_BYTES of JSON', () => {
    const quantity = { value: 1, uom: 'K', agency: 'GS1' };
    const line = { identifier: [{ agency: 'GS1', number: 'P' }], requestedQuantity: quantity, actualQuantity: quantity };
    const body = { dispensingWorkRecord: [clone(recordSingle)] };
    setAt(body, '/dispensingWorkRecord/0/productGroup/0/product/0', line);
    assert.deepEqual(problems(validateWorkRecordRequest, body), []);
    assert.ok(JSON.stringify(line).length + 1 >= MIN_LINE_BYTES, JSON.stringify(line));
  });

  test('the margin: a year at the fastest rate stays 30 times below what the domain allows (n < 1e17)', () => {
    // A quantity is a whole number of 10^-6 of magnitude ≤ 1e21 of them: n of them stay below 10^38 for n < 10^17.
    const allowed = 10n ** BigInt(DYNAMODB_NUMBER.maxDigits - Math.log10(MAX_QUANTITY) - QUANTITY_DECIMAL_PLACES);
    assert.equal(allowed, 10n ** 17n);
    assert.ok(VALUES_PER_YEAR * 30n < allowed, `${VALUES_PER_YEAR} a year`);
  });

  test('a year of the largest values into one attribute fits, whatever mix of accepted values it is', () => {
    const acceptedQuantity = fc
      .tuple(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 0, max: QUANTITY_DECIMAL_PLACES }))
      .map(([units, scale]) => Number(formatDecimal({ units, scale })))
      .filter((x) => Math.abs(x) <= MAX_QUANTITY && isExactDecimal(x, QUANTITY_DECIMAL_PLACES));
    const extreme = fc.constantFrom(MAX_QUANTITY, -MAX_QUANTITY, 999999999999999, 999999999.999999, 0.000001, -0.000001);
    fc.assert(
      fc.property(fc.array(fc.oneof(extreme, acceptedQuantity), { minLength: 1, maxLength: 40 }), (values) => {
        // The year's values: each generated value repeated an equal share of the year's count.
        const share = VALUES_PER_YEAR / BigInt(values.length);
        let sum = ZERO;
        let positive = ZERO;
        for (const v of values) {
          const d = parseDecimal(v);
          sum = addDecimal(sum, times(d, share));
          positive = addDecimal(positive, times(d.units < 0n ? { ...d, units: -d.units } : d, share));
          assert.ok(fitsDynamoDb(sum), formatDecimal(sum));
        }
        assert.ok(fitsDynamoDb(positive), formatDecimal(positive));
      }),
      { numRuns: 200 },
    );
  });

  test('the worst case: a year of 1e15 (and of -1e15) at the fastest rate, and 30 such years', () => {
    for (const value of [MAX_QUANTITY, -MAX_QUANTITY, 999999999.999999]) {
      assert.ok(fitsDynamoDb(times(parseDecimal(value), VALUES_PER_YEAR)));
      assert.ok(fitsDynamoDb(times(parseDecimal(value), VALUES_PER_YEAR * 30n)));
    }
  });

  test("what one request adds to a product's and an order's day is itself in range, and a year of such requests fits", () => {
    // 50 records of one product and day, one line of the largest value each; what a request of
    // VALUES_PER_REQUEST such lines adds is that delta times VALUES_PER_REQUEST / 50 (sums are linear).
    const record = (i: number) =>
      ({
        ...clone(recordSingle),
        workRecordIdentifier: { agency: 'AssignedBySender', number: `WR-${i}` },
        dispensingEndDateTime: '2026-09-01T10:00:00Z',
        productGroup: [
          {
            product: [
              {
                identifier: [{ agency: 'GS1', number: 'P' }],
                actualQuantity: { value: MAX_QUANTITY, uom: 'KGM', agency: 'UN_REC_20' },
              },
            ],
          },
        ],
      }) as unknown as WorkRecordDocument;
    const deltas = consumptionDeltas(Array.from({ length: LIMITS.maxDocumentsPerRequest }, (_, i) => record(i)));
    const scale = BigInt(Math.ceil(VALUES_PER_REQUEST / LIMITS.maxDocumentsPerRequest));
    const requestsPerYear = BigInt(ITEM_WRITES_PER_SECOND * SECONDS_PER_YEAR);
    assert.ok(deltas.length > 0);
    for (const delta of deltas) {
      for (const [name, add] of delta.adds) {
        assert.ok(fitsDynamoDb(times(add, scale)), `${delta.kind} ${delta.level} ${name}`);
        assert.ok(fitsDynamoDb(times(add, scale * requestsPerYear)), `a year of ${delta.kind} ${delta.level} ${name}`);
      }
    }
  });

  test('the smallest nonzero sums stay above DynamoDB’s smallest number', () => {
    assert.ok(fitsDynamoDb(parseDecimal(1e-6)));
    assert.ok(fitsDynamoDb(addDecimal(parseDecimal(1e-6), parseDecimal(-1e15))));
    assert.ok(10 ** -COORDINATE_DECIMAL_PLACES > DYNAMODB_NUMBER.minMagnitude);
  });
});
