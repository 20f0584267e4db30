/**
 * Consumption (production reports): what work records say was dispensed, kept as aggregates so
 * that a report reads periods × products items, never the records.
 *
 * Resolution: 15-minute UTC slots. Every IANA zone's offset is a multiple of 15 minutes, so
 * every local day (DST days included, 23 or 25 hours) is a whole number of slots and a report
 * by day in any zone is exact. Three roll-up levels keep a long report cheap; a record adds to
 * each level of its product (and of its order) in the transaction that creates it, so it
 * counts exactly once, at every level:
 *
 *   level  item per             one attribute pair per   kinds            used for
 *   D      UTC year             UTC day   (`q{MMDD}`)    products         whole UTC days of a range
 *   M      UTC month            UTC day   (`q{DD}`)      orders           whole UTC days of a range
 *   H      UTC month            UTC hour  (`q{DDHH}`)    products         whole hours (local days in whole-hour zones)
 *   S      UTC month            15-min slot (`q{DDSS}`)  products, orders the quarter hours that are left
 *
 * (`q…` the exact sum, `n…` the number of records; order items append `_{product hash}`.)
 * Orders keep day totals per month, not per year (a week's report then reads only the orders
 * active in its months), and no hours: one level fewer keeps a request's transaction within
 * DynamoDB's 100 actions. A report splits [from, to) (or each local day of
 * it) into the coarsest pieces that fit, and reads only the items of those pieces' periods.
 */
import { createHash } from 'node:crypto';
import { addDecimal, type Decimal, formatDecimal, parseDecimal, ZERO } from './decimal.ts';
import { invalidInput } from './errors.ts';
import { canonicalTimeZone, parseClientTime, readDateTime, utcMs, wallClockMs } from './time.ts';
import type { WorkRecordDocument } from './work-records.ts';

export const SLOT_MS = 15 * 60_000;

export interface Ref {
  agency: string;
  number: string;
  name?: string;
}

/** What one request adds to one aggregate item. */
export interface AggregateDelta {
  kind: 'product' | 'order';
  level: Level;
  /** The item's period: a UTC year (`YYYY`) for level D, a UTC month (`YYYY-MM`) for the others. */
  period: string;
  hash: string;
  /** Attributes set once (descriptions of what is counted), as text. */
  refs: Record<string, string>;
  /** Attributes added to: slot sums and record counts. */
  adds: Map<string, Decimal>;
}

const hashOf = (parts: readonly string[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
const refOf = (ids: readonly { agency: string; number: string; name?: unknown }[]): Ref | null => {
  const first = ids[0];
  if (!first) return null;
  return { agency: first.agency, number: first.number, ...(typeof first.name === 'string' ? { name: first.name } : {}) };
};

/** The time a record is dated by: dispensingEndDateTime, else workRecordCreationDateTime (epoch ms, read by readDateTime). */
export function recordTime(record: WorkRecordDocument): number | null {
  const r = record as { dispensingEndDateTime?: string; workRecordCreationDateTime?: string };
  for (const text of [r.dispensingEndDateTime, r.workRecordCreationDateTime]) {
    const t = text === undefined ? null : readDateTime(text);
    if (t !== null) return t.ms;
  }
  return null;
}

export type Level = 'D' | 'M' | 'H' | 'S';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** What one attribute of a level covers, in ms. */
const UNIT_MS: Record<Level, number> = { D: DAY_MS, M: DAY_MS, H: HOUR_MS, S: SLOT_MS };
/** Levels each kind keeps, coarsest first. */
export const LEVELS: Record<'product' | 'order', readonly Level[]> = { product: ['D', 'H', 'S'], order: ['M', 'S'] };

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The item period (`YYYY` for D, `YYYY-MM` otherwise) and attribute position of an instant at a level. */
export function positionOf(level: Level, ms: number): { period: string; pos: string } {
  const iso = new Date(ms).toISOString();
  const d = new Date(ms);
  if (level === 'D') return { period: iso.slice(0, 4), pos: iso.slice(5, 7) + iso.slice(8, 10) };
  if (level === 'M') return { period: iso.slice(0, 7), pos: iso.slice(8, 10) };
  const sub = level === 'H' ? d.getUTCHours() : Math.floor((d.getUTCHours() * 60 + d.getUTCMinutes()) / 15);
  return { period: iso.slice(0, 7), pos: iso.slice(8, 10) + pad2(sub) };
}

/** The instant an attribute's interval starts, from its item's period and its position. */
export function positionStart(level: Level, period: string, pos: string): number {
  const year = Number(period.slice(0, 4));
  if (level === 'D') return utcMs(year, Number(pos.slice(0, 2)) - 1, Number(pos.slice(2, 4)));
  const day = utcMs(year, Number(period.slice(5, 7)) - 1, Number(pos.slice(0, 2)));
  if (level === 'M') return day;
  return day + Number(pos.slice(2, 4)) * UNIT_MS[level];
}

/** The periods of a level from one instant to another (inclusive), in order. */
function periodsBetween(level: Level, from: number, last: number): string[] {
  const out: string[] = [];
  const d = new Date(utcMs(new Date(from).getUTCFullYear(), level === 'D' ? 0 : new Date(from).getUTCMonth(), 1));
  while (d.getTime() <= last) {
    out.push(level === 'D' ? String(d.getUTCFullYear()) : d.toISOString().slice(0, 7));
    if (level === 'D') d.setUTCFullYear(d.getUTCFullYear() + 1);
    else d.setUTCMonth(d.getUTCMonth() + 1);
  }
  return out;
}

interface ProductLike {
  identifier: { agency: string; number: string; name?: unknown }[];
  actualQuantity?: { value: number; uom: string };
}

/**
 * What these new records add to the aggregates, merged per item: a request touches each item
 * once (a transaction may not name an item twice), however many records and products it holds.
 */
export function consumptionDeltas(records: readonly WorkRecordDocument[], signs?: readonly (1 | -1)[]): AggregateDelta[] {
  const items = new Map<string, AggregateDelta>();
  const item = (kind: AggregateDelta['kind'], level: Level, period: string, hash: string) => {
    const id = `${kind}#${level}#${period}#${hash}`;
    let found = items.get(id);
    if (!found) {
      found = { kind, level, period, hash, refs: {}, adds: new Map() };
      items.set(id, found);
    }
    return found;
  };
  const add = (delta: AggregateDelta, name: string, value: Decimal) =>
    delta.adds.set(name, addDecimal(delta.adds.get(name) ?? ZERO, value));
  for (const [index, record] of records.entries()) {
    // A record's figures taken back (a correction's earlier revision) count with sign -1.
    const sign = signs?.[index] ?? 1;
    const one = parseDecimal(sign);
    const time = recordTime(record);
    if (time === null) continue;
    const order = { agency: record.workOrderIdentifier.agency, number: record.workOrderIdentifier.number };
    const orderHash = hashOf([order.agency, order.number]);
    for (const group of (record.productGroup ?? []) as { product: ProductLike[] }[]) {
      for (const product of group.product) {
        const ref = refOf(product.identifier);
        const actual = product.actualQuantity;
        if (!ref || !actual) continue;
        const h = hashOf([ref.agency, ref.number, actual.uom]);
        const parsed = parseDecimal(actual.value);
        const value = sign === 1 ? parsed : { ...parsed, units: -parsed.units };
        for (const level of LEVELS.product) {
          const { period, pos } = positionOf(level, time);
          const productItem = item('product', level, period, h);
          productItem.refs.product = JSON.stringify(ref);
          productItem.refs.uom = actual.uom;
          add(productItem, `q${pos}`, value);
          add(productItem, `n${pos}`, one);
        }
        for (const level of LEVELS.order) {
          const { period, pos } = positionOf(level, time);
          const orderItem = item('order', level, period, orderHash);
          orderItem.refs.order = JSON.stringify(order);
          orderItem.refs[`p_${h}`] = JSON.stringify({ product: ref, uom: actual.uom });
          add(orderItem, `q${pos}_${h}`, value);
          add(orderItem, `n${pos}_${h}`, one);
        }
      }
    }
  }
  // What cancels out (a correction that left a slot as it was) is not written.
  for (const delta of items.values()) for (const [name, value] of delta.adds) if (value.units === 0n) delta.adds.delete(name);
  return [...items.values()].filter((d) => d.adds.size > 0);
}

export type GroupBy = 'product' | 'day' | 'order';

export interface ConsumptionQuery {
  from: number;
  to: number;
  groupBy: GroupBy;
  tz: string;
}

const bad = (name: string, message: string, detail: string) => invalidInput(detail, [{ path: `/queryStringParameters/${name}`, message }]);

/** The local date (YYYY-MM-DD) of an instant in `tz`. */
export function localDate(ms: number, tz: string): string {
  return new Date(wallClockMs(tz, ms)).toISOString().slice(0, 10);
}

/** The first instant of local date `date` in `tz` (midnight, or the day's first instant where midnight is skipped). */
export function startOfLocalDay(date: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = utcMs(y, m - 1, d);
  let t = wall;
  for (let i = 0; i < 3; i++) t = wall - (wallClockMs(tz, t) - t);
  // Where a DST change skips midnight, the day starts at the first instant that is on that date.
  while (localDate(t - SLOT_MS, tz) === date) t -= SLOT_MS;
  while (localDate(t, tz) < date) t += SLOT_MS;
  return t;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Reads from, to, groupBy and tz: a 400 naming the parameter on anything wrong. */
export function parseConsumptionQuery(q: Record<string, string | undefined>): ConsumptionQuery {
  const tz = canonicalTimeZone(q.tz ?? 'UTC');
  if (tz === null) {
    throw bad('tz', 'not an IANA time zone', `tz must be an IANA time zone such as Europe/Berlin or America/Chicago; ${q.tz} is not one.`);
  }
  const groupBy = (q.groupBy ?? 'product') as GroupBy;
  if (!['product', 'day', 'order'].includes(groupBy))
    throw bad('groupBy', 'must be product, day or order', 'groupBy must be product, day or order.');
  const instant = (name: 'from' | 'to'): number => {
    const raw = q[name];
    if (raw === undefined) throw bad(name, 'is required', `${name} is required: a date-time with a zone or a date YYYY-MM-DD.`);
    if (DATE_ONLY.test(raw)) {
      if (readDateTime(`${raw}T00:00:00Z`) === null) {
        throw bad(name, 'not a date', `${name} is not a calendar date (years 0001 to 9999).`);
      }
      return startOfLocalDay(raw, tz);
    }
    const t = parseClientTime(raw, name);
    if (t % SLOT_MS !== 0) {
      throw bad(
        name,
        'must be on a quarter hour',
        `${name} must fall on a quarter hour (the report's resolution is 15 minutes, which every time zone's midnight is on).`,
      );
    }
    return t;
  };
  const from = instant('from');
  const to = instant('to');
  if (from >= to) throw bad('to', 'must be after from', 'to must be later than from (from inclusive, to exclusive).');
  return { from, to, groupBy, tz };
}

/**
 * The longest report each grouping answers, in days of `to − from` (issue 24: a report must finish
 * within its route's 28 s for any range, or be refused before any work). A day report computes
 * every local day's bounds and reads the hour and slot items of every month of a zone whose
 * midnight is not on a UTC hour; an order report reads every month's order items; a product
 * report reads one item per year and product. 367 days holds any calendar year and the day after
 * it; 3,660 days any ten calendar years and a week.
 */
export const MAX_REPORT_DAYS: Record<GroupBy, number> = { product: 3660, day: 367, order: 367 };
/**
 * The instants a report may cover: from 1999-12-31T00:00:00Z to 9999-01-02T00:00:00Z, which
 * holds the dates 2000-01-01 to 9999-01-01 in every zone (offsets reach ±14 h). Since 1980 every
 * zone's offset is a whole number of quarter hours (before, offsets such as Africa/Monrovia's
 * −0:44:30 until 1972 and the local mean times of earlier centuries are not, and local days would
 * not be whole slots); 2000 leaves a margin. The upper bound keeps every local day of a range,
 * and the day after it, inside year 9999.
 */
export const REPORT_FIRST_MS = Date.UTC(1999, 11, 31);
export const REPORT_LAST_MS = Date.UTC(9999, 0, 2);

/**
 * A 400 naming the limit when the report is longer than its grouping allows or lies outside the
 * years reports cover: checked before any item is read or any local day computed.
 */
export function checkReportRange(query: ConsumptionQuery): void {
  if (query.from < REPORT_FIRST_MS) {
    throw bad('from', 'before 2000-01-01', 'from must not be before 2000-01-01: reports cover the dates 2000-01-01 to 9999-01-01.');
  }
  if (query.to > REPORT_LAST_MS) {
    throw bad('to', 'after 9999-01-01', 'to must not be after 9999-01-01: reports cover the dates 2000-01-01 to 9999-01-01.');
  }
  // Measured on the clocks of tz, so that a range of whole local days is as long as it reads,
  // whatever offset changes (DST, a zone's new standard time) lie between its ends.
  const max = MAX_REPORT_DAYS[query.groupBy];
  if (wallClockMs(query.tz, query.to) - wallClockMs(query.tz, query.from) > max * DAY_MS) {
    throw bad(
      'to',
      `range longer than ${max} days`,
      `A report grouped by ${query.groupBy} covers at most ${max} days (from to to, on the clocks of tz); ask for shorter ranges one after another.`,
    );
  }
}

/** One stretch of a report that one level answers: [start, end), inside one local day when grouped by day. */
interface Piece {
  start: number;
  end: number;
  day?: string;
}

/** Splits [a, b) into the coarsest pieces the levels hold: whole UTC days, then whole hours, then slots. */
function split(a: number, b: number, levels: readonly Level[], day: string | undefined, into: Record<Level, Piece[]>): void {
  if (a >= b) return;
  const [level, ...finer] = levels;
  if (!level) return;
  const unit = UNIT_MS[level];
  const lo = Math.ceil(a / unit) * unit;
  const hi = Math.floor(b / unit) * unit;
  if (finer.length === 0 || lo >= hi) {
    if (finer.length === 0) into[level].push({ start: a, end: b, day });
    else split(a, b, finer, day, into);
    return;
  }
  split(a, lo, finer, day, into);
  into[level].push({ start: lo, end: hi, day });
  split(hi, b, finer, day, into);
}

/** An item range to read: one kind and level, periods first..last (inclusive). */
export interface AggregateRead {
  kind: 'product' | 'order';
  level: Level;
  first: string;
  last: string;
}

export interface ReportPlan {
  reads: AggregateRead[];
  pieces: Record<Level, Piece[]>;
}

/** What a report reads: the pieces of its range per level, and the item ranges that hold them. */
export function reportPlan(query: ConsumptionQuery): ReportPlan {
  const kind = query.groupBy === 'order' ? 'order' : 'product';
  const levels = LEVELS[kind];
  const pieces: Record<Level, Piece[]> = { D: [], M: [], H: [], S: [] };
  if (query.groupBy === 'day') {
    let date = localDate(query.from, query.tz);
    let start = query.from;
    while (start < query.to) {
      const next = nextLocalDate(date);
      const end = Math.min(startOfLocalDay(next, query.tz), query.to);
      split(start, end, levels, date, pieces);
      date = next;
      start = end;
    }
  } else split(query.from, query.to, levels, undefined, pieces);
  // One read per period the pieces touch: the store runs them side by side (one Query each).
  const reads: AggregateRead[] = [];
  for (const level of levels) {
    const periods = new Set<string>();
    for (const p of pieces[level]) for (const period of periodsBetween(level, p.start, p.end - 1)) periods.add(period);
    for (const period of [...periods].sort()) reads.push({ kind, level, first: period, last: period });
  }
  return { reads, pieces };
}

const nextLocalDate = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** An aggregate item as read: its level and period and its attributes, numbers as exact text. */
export interface AggregateItem {
  kind: 'product' | 'order';
  level: Level;
  period: string;
  attributes: Record<string, string>;
}

export interface ConsumptionRow {
  product: Ref;
  day?: string;
  workOrder?: { agency: string; number: string };
  quantity: { value: string; uom: string };
  records: number;
}

const SLOT_ATTRIBUTE = /^([qn])(\d{4}|\d{2})(?:_([0-9a-f]{16}))?$/;

/** The piece an attribute's interval lies in, or null (binary search over sorted, disjoint pieces). */
function pieceOf(pieces: readonly Piece[], start: number, end: number): Piece | null {
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = pieces[mid]!;
    if (start < p.start) hi = mid - 1;
    else if (start >= p.end) lo = mid + 1;
    else return end <= p.end ? p : null;
  }
  return null;
}

/** The report's rows from the items its plan read: attributes inside the plan's pieces summed per group, exactly. */
export function consumptionRows(items: readonly AggregateItem[], plan: ReportPlan): ConsumptionRow[] {
  const rows = new Map<string, { row: Omit<ConsumptionRow, 'quantity' | 'records'> & { uom: string }; sum: Decimal; records: number }>();
  const sorted = Object.fromEntries(
    Object.entries(plan.pieces).map(([level, pieces]) => [level, [...pieces].sort((a, b) => a.start - b.start)]),
  ) as Record<Level, Piece[]>;
  for (const item of items) {
    const a = item.attributes;
    // What the item counts, parsed once per item (per product hash for order items).
    const described = new Map<string, { product: Ref; uom: string } | null>();
    const describe = (h: string | undefined) => {
      const id = h ?? '';
      if (!described.has(id)) {
        if (item.kind === 'product') described.set(id, { product: JSON.parse(a.product!) as Ref, uom: a.uom! });
        else
          described.set(
            id,
            h === undefined || a[`p_${h}`] === undefined ? null : (JSON.parse(a[`p_${h}`]!) as { product: Ref; uom: string }),
          );
      }
      return described.get(id)!;
    };
    const workOrder = item.kind === 'order' ? (JSON.parse(a.order!) as { agency: string; number: string }) : undefined;
    const pieces = sorted[item.level];
    const unit = UNIT_MS[item.level];
    for (const [name, value] of Object.entries(a)) {
      const m = SLOT_ATTRIBUTE.exec(name);
      if (!m) continue;
      const [, kind, pos, h] = m as unknown as [string, 'q' | 'n', string, string | undefined];
      const t = positionStart(item.level, item.period, pos);
      const piece = pieceOf(pieces, t, t + unit);
      if (piece === null) continue;
      const what = describe(item.kind === 'product' ? undefined : h);
      if (what === null) continue;
      const { product, uom } = what;
      const day = piece.day;
      const key = JSON.stringify([day ?? '', workOrder?.agency ?? '', workOrder?.number ?? '', product.agency, product.number, uom]);
      let entry = rows.get(key);
      if (!entry) {
        entry = {
          row: { product, ...(day !== undefined ? { day } : {}), ...(workOrder ? { workOrder } : {}), uom },
          sum: ZERO,
          records: 0,
        };
        rows.set(key, entry);
      }
      if (kind === 'q') entry.sum = addDecimal(entry.sum, parseDecimal(value));
      else entry.records += Number(value);
    }
  }
  return (
    [...rows.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      // A group whose every record was voided or corrected away counts nothing: no row (its slots keep zeros).
      .filter(([, { sum, records }]) => records !== 0 || sum.units !== 0n)
      .map(([, { row, sum, records }]) => {
        const { uom, ...rest } = row;
        return { ...rest, quantity: { value: formatDecimal(sum), uom }, records };
      })
  );
}
