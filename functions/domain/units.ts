/**
 * Quantities in UN/ECE Recommendation 20 units, converted exactly: every factor is a decimal
 * (the pound is 0.45359237 kg and the US gallon 3.785411784 l by definition), sums are kept as
 * exact fractions (BigInt numerator and denominator), and only the final figure is written as
 * decimal text — exact when it terminates within 9 decimal places, else rounded half away from
 * zero at the 9th (a division by a density rarely terminates). A conversion the units do not
 * allow is reported with its reason, never guessed.
 */
import { type Decimal, parseDecimal } from './decimal.ts';

/** An exact fraction; the denominator is positive. */
export interface Ratio {
  num: bigint;
  den: bigint;
}

const gcd = (a: bigint, b: bigint): bigint => {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
};
const norm = (num: bigint, den: bigint): Ratio => {
  const sign = den < 0n ? -1n : 1n;
  const g = gcd(num, den < 0n ? -den : den);
  return { num: (sign * num) / g, den: (sign * den) / g };
};

export const RATIO_ZERO: Ratio = { num: 0n, den: 1n };
export const ratioOf = (d: Decimal | string | number): Ratio => {
  const dec = typeof d === 'object' ? d : parseDecimal(d);
  return norm(dec.units, 10n ** BigInt(dec.scale));
};
export const addRatio = (a: Ratio, b: Ratio): Ratio => norm(a.num * b.den + b.num * a.den, a.den * b.den);
export const mulRatio = (a: Ratio, b: Ratio): Ratio => norm(a.num * b.num, a.den * b.den);
export const divRatio = (a: Ratio, b: Ratio): Ratio => norm(a.num * b.den, a.den * b.num);
export const negRatio = (a: Ratio): Ratio => ({ num: -a.num, den: a.den });
export const compareRatio = (a: Ratio, b: Ratio): number => {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};

/** Decimal places of a figure that does not terminate. */
export const MAX_SCALE = 9;

/** Decimal text of a fraction: exact when it terminates within MAX_SCALE places, else rounded half away from zero. */
export function formatRatio(r: Ratio): string {
  const negative = r.num < 0n;
  const num = negative ? -r.num : r.num;
  const scale = 10n ** BigInt(MAX_SCALE);
  let units = (num * scale) / r.den;
  const rest = (num * scale) % r.den;
  if (rest * 2n >= r.den) units += 1n;
  let digits = units.toString().padStart(MAX_SCALE + 1, '0');
  const int = digits.slice(0, -MAX_SCALE);
  const frac = digits.slice(-MAX_SCALE).replace(/0+$/, '');
  digits = frac ? `${int}.${frac}` : int;
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/** Mass units in kilograms and volume units in litres, by their rec 20 code. */
const MASS: Readonly<Record<string, string>> = { KGM: '1', GRM: '0.001', TNE: '1000', LBR: '0.45359237' };
const VOLUME: Readonly<Record<string, string>> = { LTR: '1', MTQ: '1000', GLL: '3.785411784' };

/** The rec 20 codes the hub converts between. */
export const CONVERTIBLE_UNITS: readonly string[] = [...Object.keys(MASS), ...Object.keys(VOLUME)];

export type Conversion = { ok: true; value: Ratio } | { ok: false; reason: string };

/**
 * `value` in unit `from` expressed in unit `to`; `density` in kg/l (the component's) lets mass
 * and volume convert into each other.
 */
export function convert(value: Ratio, from: string, to: string, density?: number): Conversion {
  if (from === to) return { ok: true, value };
  const dimension = (u: string) => (u in MASS ? 'mass' : u in VOLUME ? 'volume' : null);
  const [a, b] = [dimension(from), dimension(to)];
  if (a === null || b === null) {
    const unknown = a === null ? from : to;
    return { ok: false, reason: `${unknown} is not a mass or volume unit the hub converts (${CONVERTIBLE_UNITS.join(', ')})` };
  }
  const factor = (u: string) => ratioOf((MASS[u] ?? VOLUME[u])!);
  // Into the base unit of `from` (kg or l), across by density when needed, out of the base of `to`.
  let base = mulRatio(value, factor(from));
  if (a !== b) {
    if (density === undefined) return { ok: false, reason: `converting ${from} to ${to} needs the component's density, and it has none` };
    const rho = ratioOf(density);
    base = a === 'volume' ? mulRatio(base, rho) : divRatio(base, rho);
  }
  return { ok: true, value: divRatio(base, factor(to)) };
}

/** True when quantities in `uom` can be shown in kilograms (a mass unit, or a volume unit with a density). */
export const kilogramsPossible = (uom: string, density?: number): boolean => convert(RATIO_ZERO, uom, 'KGM', density).ok;
