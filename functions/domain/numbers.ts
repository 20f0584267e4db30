/**
 * The domain of every number the hub accepts (docs/api.md, "Numbers"). JSON numbers arrive as
 * IEEE doubles; the rule is stated on a double's shortest round-trip decimal text (what
 * `String(x)` prints), which is also the text the hub stores and sums (decimal.ts):
 *
 *  - finite, and within the field's `minimum`/`maximum` (quantities: |x| ≤ 1e15);
 *  - at most 15 significant digits: every decimal of 15 digits reads back from its double as
 *    itself, so the hub keeps exactly what the client wrote; a longer one (123456789.123456789)
 *    may already have lost digits in the double and is refused, never rounded;
 *  - at most the field's number of decimal places (`x-decimalPlaces` in schemas/: 6 for
 *    quantities, densities and percentages, 12 for coordinates), which also makes every nonzero
 *    value at least 1e-12 — far above DynamoDB's smallest number (1e-130); 5e-324 is refused.
 *
 * Why the aggregates cannot overflow: a quantity is a whole number of millionths of magnitude at
 * most 1e15 × 1e6 = 1e21 millionths, so a sum of n of them is at most n × 1e21 millionths, which
 * fits DynamoDB's 38 significant digits (and its 1e125 magnitude) for every n < 1e17. The
 * hub's fastest possible feed into one roll-up attribute (test/unit/numbers.test.ts) adds
 * fewer than 3.2e15 values a year, a margin of 30 years of saturating it.
 */

/** Significant digits a number may have (the decimal digits an IEEE double always keeps). */
export const MAX_SIGNIFICANT_DIGITS = 15;

/** The largest magnitude of a quantity (and of any other number without a narrower range). */
export const MAX_QUANTITY = 1e15;

/** Decimal places of a quantity, density or percentage (`x-decimalPlaces` in schemas/). */
export const QUANTITY_DECIMAL_PLACES = 6;

/** Decimal places of a latitude or longitude (1e-12 degrees is well below a millimetre). */
export const COORDINATE_DECIMAL_PLACES = 12;

/** What DynamoDB stores in a number: 38 significant digits, magnitudes 1e-130 to below 1e126. */
export const DYNAMODB_NUMBER = { maxDigits: 38, minMagnitude: 1e-130, maxExclusiveMagnitude: 1e126 } as const;

/**
 * True when `x` is finite and its shortest decimal text has at most 15 significant digits and
 * at most `places` digits after the point (1.5e-7 has 8). Self-contained on purpose: the
 * schema build (scripts/build-schemas.ts) embeds this function's source in the generated
 * validators, so it may use nothing outside its own body (15 is MAX_SIGNIFICANT_DIGITS).
 */
export function isExactDecimal(x: number, places: number): boolean {
  if (typeof x !== 'number' || !Number.isFinite(x)) return false;
  const m = /^-?(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (m === null) return false;
  const fraction = m[2] || '';
  const significant = (m[1] + fraction).replace(/^0+/, '').replace(/0+$/, '');
  return significant.length <= 15 && fraction.length - Number(m[3] || 0) <= places;
}
