/**
 * Exact decimal sums: quantities are added as scaled BigInts (value = units × 10^-scale), never
 * as binary floats, so 0.1 + 0.2 is 0.3 and a year of sums has no drift. DynamoDB numbers are
 * decimals too (38 digits): the text read back is the text summed.
 */

export interface Decimal {
  units: bigint;
  scale: number;
}

const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^([+-])?\.(\d+)(?:[eE]([+-]?\d+))?$/;

/** Reads decimal text ("12", "-0.125", "1e-7", ".5") or a JS number (by its shortest text). */
export function parseDecimal(value: string | number): Decimal {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = DECIMAL.exec(text);
  if (!m) throw new RangeError(`not a decimal number: ${text}`);
  const sign = (m[1] ?? m[5]) === '-' ? -1n : 1n;
  const intPart = m[2] ?? '0';
  const frac = m[3] ?? m[6] ?? '';
  const exp = Number(m[4] ?? m[7] ?? '0');
  let units = BigInt(intPart + frac) * sign;
  let scale = frac.length - exp;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units, scale };
}

/** a + b, exactly. */
export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: a.units * 10n ** BigInt(scale - a.scale) + b.units * 10n ** BigInt(scale - b.scale), scale };
}

export const ZERO: Decimal = { units: 0n, scale: 0 };

/** Plain decimal text without exponent or trailing fraction zeros ("1.50" → "1.5", "2.0" → "2"). */
export function formatDecimal(d: Decimal): string {
  const negative = d.units < 0n;
  let digits = (negative ? -d.units : d.units).toString();
  if (d.scale > 0) {
    digits = digits.padStart(d.scale + 1, '0');
    const int = digits.slice(0, -d.scale);
    const frac = digits.slice(-d.scale).replace(/0+$/, '');
    digits = frac ? `${int}.${frac}` : int;
  }
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/** Sum of decimal texts or numbers, as text. */
export function sumDecimals(values: readonly (string | number)[]): string {
  return formatDecimal(values.reduce<Decimal>((acc, v) => addDecimal(acc, parseDecimal(v)), ZERO));
}
