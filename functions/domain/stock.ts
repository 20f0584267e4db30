/**
 * Live stock: balances per component identifier and location, moved by receipts, counts and
 * what work records dispensed. Pure: the store loads balances and ledger lines, this module
 * decides the new balances, the store writes them in the movement's own transaction.
 *
 * A balance keeps the latest count (its time, id and quantity) and, per unit, the exact sum of
 * the movements dated after it. Movements apply in the order of their own times: one dated at
 * or before the latest count is kept in the ledger but leaves the level alone; a count dated
 * after the latest one sets the level, and the movements already known after its time apply
 * on top of it. Sums stay in the unit each movement came in, so a record that arrives before
 * its component exists counts like any other, and conversion happens only when stock is read.
 */
import type { DispensingWorkRecord } from '../generated/documents.ts';
import { addDecimal, formatDecimal, parseDecimal } from './decimal.ts';
import type { LotReceipt, LotRef } from './lots.ts';
import type { MasterWrite } from './master-data.ts';
import { addRatio, convert, formatRatio, kilogramsPossible, RATIO_ZERO, type Ratio, ratioOf } from './units.ts';

/** A balance's identity: the component's identifier and the location (null: none named). */
export interface StockKey {
  agency: string;
  number: string;
  location: string | null;
}

export type MovementType = 'receipt' | 'count' | 'dispensed';

/** One ledger line. `value` is signed decimal text (dispensing is negative). */
export interface Movement {
  at: number;
  type: MovementType;
  id: string;
  value: string;
  uom: string;
}

export interface Balance {
  key: StockKey;
  /** The latest count (by its own time), or null before the first. */
  count: { at: number; id: string; value: string; uom: string } | null;
  /** Per unit, the exact sum of the movements dated after the count. */
  sums: Record<string, string>;
  lastMovementAt: number | null;
  /** The stored version (0: not stored yet). */
  version: number;
}

/** Movements grouped by the balance they move (by stockKeyId). */
export type MovementsByBalance = Map<string, { key: StockKey; movements: Movement[] }>;

/** One balance a request moves: its new state (`next.version` is the version it was read at) and the request's ledger lines. */
export interface BalanceChange {
  next: Balance;
  lines: readonly Movement[];
}

export type StockDocumentKind = 'receipt' | 'count';

/** A receipt or count as stored: its id and the hash of its content (identity and retries). */
export interface StockDocument {
  id: string;
  contentHash: string;
}

/** A receipt or count to store, with its content hash and the time the hub received it. */
export interface NewStockDocument extends StockDocument {
  kind: StockDocumentKind;
  doc: unknown;
  receivedAt: number;
}

/** Everything one request of receipts or counts writes, all or nothing. */
export interface StockWrite {
  facilityId: string;
  documents: readonly NewStockDocument[];
  /** Purchase orders whose lines the receipts fill, with the version they were read at. */
  purchaseOrders: readonly MasterWrite[];
  balances: readonly BalanceChange[];
  /** Receipts naming a lot: their entries in the lot index (written with the receipt). */
  lotReceipts?: readonly { lot: LotRef; receipt: LotReceipt }[];
}

/** A quantity's value as plain exact decimal text ("1e-7" → "0.0000001"). */
export const decimalText = (value: number | string): string => formatDecimal(parseDecimal(value));

/** The text key of a balance (maps, merging per item). */
export const stockKeyId = (k: StockKey): string => JSON.stringify([k.agency, k.number, k.location]);

const emptyBalance = (key: StockKey): Balance => ({ key, count: null, sums: {}, lastMovementAt: null, version: 0 });

/** True when a movement dated `at` changes the level of this balance (it is after the latest count). */
export const inLevel = (balance: Balance | null, at: number): boolean => !balance?.count || at > balance.count.at;

/** The balance after movements other than counts (receipts, dispensing). */
export function applyMovements(balance: Balance | null, key: StockKey, movements: readonly Movement[]): Balance {
  const next = structuredClone(balance ?? emptyBalance(key));
  for (const m of movements) {
    if (m.type === 'count') throw new Error('counts go through applyCount');
    next.lastMovementAt = Math.max(next.lastMovementAt ?? m.at, m.at);
    if (!inLevel(next, m.at)) continue;
    next.sums[m.uom] = formatDecimal(addDecimal(parseDecimal(next.sums[m.uom] ?? '0'), parseDecimal(m.value)));
  }
  return next;
}

/** Of these counts, the one that would set the level: dated after the balance's latest count and latest among them; null if none. */
export function effectiveCount(balance: Balance | null, counts: readonly Movement[]): Movement | null {
  let best: Movement | null = null;
  for (const c of counts) if (inLevel(balance, c.at) && (best === null || c.at > best.at)) best = c;
  return best;
}

/**
 * The balance after counts. `after` are the ledger's movements dated after the effective
 * count (effectiveCount), which apply on top of it; counts not effective stay in the ledger only.
 */
export function applyCounts(balance: Balance | null, key: StockKey, counts: readonly Movement[], after: readonly Movement[]): Balance {
  const next = structuredClone(balance ?? emptyBalance(key));
  for (const c of counts) next.lastMovementAt = Math.max(next.lastMovementAt ?? c.at, c.at);
  const count = effectiveCount(balance, counts);
  if (!count) return next;
  const lastMovementAt = next.lastMovementAt;
  const reset: Balance = { ...next, count: { at: count.at, id: count.id, value: count.value, uom: count.uom }, sums: {} };
  const applied = applyMovements(
    reset,
    key,
    after.filter((m) => m.type !== 'count' && m.at > count.at),
  );
  return { ...applied, lastMovementAt };
}

interface DispensedProduct {
  identifier: { agency: string; number: string }[];
  actualQuantity?: { value: number; uom: string };
}

/** The changes of non-count movements (receipts, dispensing) on the balances read, one per balance. */
export function movementChanges(perBalance: MovementsByBalance, balances: ReadonlyMap<string, Balance>): BalanceChange[] {
  return [...perBalance.values()].map(({ key, movements }) => ({
    next: applyMovements(balances.get(stockKeyId(key)) ?? null, key, movements),
    lines: movements,
  }));
}

/**
 * What new work records dispensed, per balance: every product line with an actual quantity
 * debits the balance of its first identifier without a location, dated by the record's own
 * time (`at`, the caller's choice of dispensingEndDateTime and its fallbacks).
 */
export function dispensedMovements(records: readonly { record: DispensingWorkRecord; at: number }[]): MovementsByBalance {
  const out: MovementsByBalance = new Map();
  for (const { record, at } of records) {
    const id = `${record.workRecordIdentifier.agency}:${record.workRecordIdentifier.number}`;
    for (const group of (record.productGroup ?? []) as { product: DispensedProduct[] }[]) {
      for (const product of group.product) {
        const first = product.identifier[0];
        const actual = product.actualQuantity;
        if (!first || !actual) continue;
        const key: StockKey = { agency: first.agency, number: first.number, location: null };
        const value = parseDecimal(actual.value);
        const movement: Movement = { at, type: 'dispensed', id, value: formatDecimal({ ...value, units: -value.units }), uom: actual.uom };
        const slot = out.get(stockKeyId(key)) ?? { key, movements: [] };
        slot.movements.push(movement);
        out.set(stockKeyId(key), slot);
      }
    }
  }
  return out;
}

/** A component as stock needs it. */
export interface StockComponent {
  agency: string;
  number: string;
  name: string;
  uom: string;
  density?: number;
}

export interface UnconvertedView {
  quantity: { value: string; uom: string };
  reason: string;
}

/** Quantities summed into one unit: what converted, and what did not (with why). */
export function sumInUnit(
  parts: readonly { value: string; uom: string }[],
  uom: string,
  density: number | undefined,
): { total: Ratio; unconverted: UnconvertedView[] } {
  let total = RATIO_ZERO;
  const unconverted: UnconvertedView[] = [];
  for (const part of parts) {
    const c = convert(ratioOf(part.value), part.uom, uom, density);
    if (c.ok) total = addRatio(total, c.value);
    else unconverted.push({ quantity: { value: part.value, uom: part.uom }, reason: c.reason });
  }
  return { total, unconverted };
}

export interface StockRowView {
  component: { agency: string; number: string };
  name: string;
  location: string | null;
  /** Values are exact decimal text (written into the JSON as numbers). */
  quantity: { value: string; uom: string };
  kilograms?: string;
  lastMovementAt: string | null;
  lastCount: { countId: string; countedAt: string } | null;
  unconverted?: UnconvertedView[];
  movements?: {
    at: string;
    type: MovementType;
    id: string;
    quantity: { value: string; uom: string };
    inLevel: boolean;
  }[];
}

/** One row of the stock view: the balance in the component's unit (and in kg where the units allow). */
export function stockRow(
  balance: Balance | null,
  component: StockComponent,
  location: string | null,
  ledger?: readonly Movement[],
): StockRowView {
  const parts = [
    ...(balance?.count ? [{ value: balance.count.value, uom: balance.count.uom }] : []),
    ...Object.entries(balance?.sums ?? {}).map(([uom, value]) => ({ value, uom })),
  ];
  const { total, unconverted } = sumInUnit(parts, component.uom, component.density);
  const row: StockRowView = {
    component: { agency: component.agency, number: component.number },
    name: component.name,
    location,
    quantity: { value: formatRatio(total), uom: component.uom },
    lastMovementAt: balance?.lastMovementAt == null ? null : new Date(balance.lastMovementAt).toISOString(),
    lastCount: balance?.count ? { countId: balance.count.id, countedAt: new Date(balance.count.at).toISOString() } : null,
  };
  if (kilogramsPossible(component.uom, component.density)) {
    const kg = convert(total, component.uom, 'KGM', component.density);
    if (kg.ok) row.kilograms = formatRatio(kg.value);
  }
  if (unconverted.length > 0) row.unconverted = unconverted;
  if (ledger) {
    row.movements = [...ledger]
      .sort((a, b) => a.at - b.at || a.id.localeCompare(b.id))
      .map((m) => ({
        at: new Date(m.at).toISOString(),
        type: m.type,
        id: m.id,
        quantity: { value: m.value, uom: m.uom },
        inLevel: m.type === 'count' ? balance?.count?.id === m.id && balance.count.at === m.at : inLevel(balance, m.at),
      }));
  }
  return row;
}
