/**
 * Consumption (production reports): what work records say was dispensed, kept as aggregates so
 * that a report reads cells of roll-ups, not the records — but for the records of the partial
 * slots at the edges of a range off the slot edges (and, by order, of the hours between a range's
 * ends and the nearest UTC midnights).
 *
 * Resolution of the aggregates: 15-minute UTC slots. Every IANA zone's offset is a multiple of
 * 15 minutes, so every local day (DST days included, 23 or 25 hours) is a whole number of slots
 * and a report by day in any zone is exact. The derive engine (use-cases/derive-records.ts) adds
 * each record's latest revision to each level of its product (and of its order) exactly once
 * (domain/record-figures.ts):
 *
 *   level  item per        one attribute pair per                    kinds             read for
 *   T      UTC year        the year (`q`) and each month (`q{MM}`)   products          whole UTC years and months
 *   E      UTC day         the day (`q`); per hour h 1–23 (`q{hh}`)  products          whole UTC days, the part of
 *                          the day from h:00 on (h ≤ 11) or before                     a day before an instant
 *                          h:00; per 15-min slot (`qs{SS}`)
 *   H      UTC month       UTC hour (`q{DDHH}`)                      products          (tables not brought up to date)
 *   S      UTC month       15-min slot (`q{DDSS}`)                   products, orders  (tables not brought up to date)
 *   Y      UTC year        the year (`q_{hash}`)                     orders            whole UTC years
 *   M      UTC month       UTC day (`q{DD}_{hash}`)                  orders            whole UTC days
 *
 * (`q…` the exact sum, `n…` the number of records; order items name products by hash.)
 *
 * Why the edge level: a report's cost should follow its days and products, not the records.
 * A local day that is not a UTC day (a midnight at 06:00Z) is the next UTC day's total less its
 * first six hours plus this day's; summing those hours from hour cells reads cells that fill as
 * the facility gets busier, so a busy facility's year report read ten times the bytes of a quiet
 * one's. A boundary cell holds such a part of a day whole, and covers at least 12 hours (the
 * suffix from h:00 up to 11:00, else the prefix), so it is filled at a quiet facility as much as
 * at a busy one. And since DynamoDB reads whole items, each cell a report's ends need sits in an
 * item that holds nothing else that grows: a product's year total alone (T), a day's total,
 * boundary cells and slots in an item per day (E), so a year's report by product reads three
 * small items a product at 1,000 records as at 100,000, and an end off the whole hours (or a
 * local midnight on a quarter hour) reads the same three items, not a month of slots. Orders keep year totals for the same reason (by order, a
 * year report reads one item per order instead of one per order and month).
 *
 * A report takes any instants, to the millisecond; reportPlan says which cells it reads and how
 * each counts (added or taken away, into which local day).
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
  /** The item's period: a UTC year (`YYYY`) for levels T and Y, a UTC day (`YYYY-MM-DD`) for E, a UTC month (`YYYY-MM`) for the others. */
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

/**
 * The roll-up levels (see the table above). `T`, `E` and `Y` are the year, edge and order-year
 * levels: a report of whole local days or years reads one dense cell per day boundary (or per
 * product or order and year), whatever the facility's volume.
 */
export type Level = 'T' | 'E' | 'M' | 'H' | 'S' | 'Y';
/** The levels one attribute of which covers one fixed interval, and its length. */
type IntervalLevel = 'M' | 'H' | 'S';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** What one attribute of an interval level covers, in ms. */
const UNIT_MS: Record<IntervalLevel, number> = { M: DAY_MS, H: HOUR_MS, S: SLOT_MS };
/** Levels each kind keeps. */
export const LEVELS: Record<'product' | 'order', readonly Level[]> = { product: ['T', 'E', 'H', 'S'], order: ['Y', 'M', 'S'] };
/**
 * The boundary hours: at `h` ≤ SUFFIX_LAST_HOUR a boundary cell holds what its UTC day has from
 * h:00 on (a suffix), later ones what it has before h:00 (a prefix). Either way the cell covers
 * at least 12 hours, so it is filled at a facility with a few records a day as much as at a busy
 * one (a local midnight at 06:00Z reads the suffix from 06:00, one at 23:00Z the prefix to 23:00).
 */
const SUFFIX_LAST_HOUR = 11;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The levels with one position per instant. */
type PointLevel = Exclude<Level, 'E'>;

/** The item period (`YYYY` for T and Y, `YYYY-MM` otherwise) and attribute position of an instant at a level with one position per instant. */
export function positionOf(level: PointLevel, ms: number): { period: string; pos: string } {
  const iso = new Date(ms).toISOString();
  const d = new Date(ms);
  if (level === 'Y' || level === 'T') return { period: iso.slice(0, 4), pos: '' };
  if (level === 'M') return { period: iso.slice(0, 7), pos: iso.slice(8, 10) };
  const sub = level === 'H' ? d.getUTCHours() : Math.floor((d.getUTCHours() * 60 + d.getUTCMinutes()) / 15);
  return { period: iso.slice(0, 7), pos: iso.slice(8, 10) + pad2(sub) };
}

/** The UTC day (`YYYY-MM-DD`) of an instant: the period of its edge item (level E). */
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The position of a 15-minute slot (0–95 of its UTC day) in the day's edge item (level E). */
const slotPos = (slot: number) => `s${pad2(slot)}`;

/**
 * The cells of its day's edge item (level E) a record at `ms` counts in: the day's total
 * (position ''), the boundary suffixes from hours up to its own and the prefixes to hours after
 * it (`{hh}`), and its slot (`s{SS}`).
 */
function edgePositions(ms: number): { period: string; positions: string[] } {
  const d = new Date(ms);
  const hour = d.getUTCHours();
  const positions = [''];
  for (let h = 1; h <= 23; h++) if (inBoundary(h, hour)) positions.push(pad2(h));
  positions.push(slotPos(Math.floor((hour * 60 + d.getUTCMinutes()) / 15)));
  return { period: dayOf(ms), positions };
}

/** The item and positions a record at `ms` counts in at a level: at T the year's total and its month's. */
const positionsOf = (level: Level, ms: number): { period: string; positions: string[] } => {
  if (level === 'E') return edgePositions(ms);
  const { period, pos } = positionOf(level, ms);
  return { period, positions: level === 'T' ? [pos, monthOf(ms)] : [pos] };
};

/** The UTC month (`MM`) of an instant: its position in the year item (level T). */
const monthOf = (ms: number) => new Date(ms).toISOString().slice(5, 7);

/** Whether the boundary cell at hour h of a day counts what that day has in hour `hour`. */
const inBoundary = (h: number, hour: number) => (h <= SUFFIX_LAST_HOUR ? h <= hour : h > hour);

/** Exact sums per attribute name, as text; sums of zero left out (as a cell nothing was ever added to). */
function sumsByName(parts: Iterable<[string, string]>): Record<string, string> {
  const sums = new Map<string, Decimal>();
  for (const [name, value] of parts) sums.set(name, addDecimal(sums.get(name) ?? ZERO, parseDecimal(value)));
  return Object.fromEntries([...sums].filter(([, v]) => v.units !== 0n).map(([name, v]) => [name, formatDecimal(v)]));
}

/** A month item's cells (`q{DDxx}`: an hour at level H, a slot at level S): kind (q or n), day, hour or slot, and value. */
function monthCells(cells: Record<string, string>): { kind: string; day: string; sub: number; value: string }[] {
  return Object.entries(cells).flatMap(([name, value]) => {
    const m = /^([qn])(\d{2})(\d{2})$/.exec(name);
    return m ? [{ kind: m[1]!, day: m[2]!, sub: Number(m[3]), value }] : [];
  });
}

/**
 * A product's edge items of a month (level E: per UTC day `DD`, the day's total, its boundary
 * cells and its slots) from its hour and slot cells of the month (levels H and S): what a table
 * written before the edge level gets them from (store/backfill.ts). Numbers as exact text; a day
 * without cells has none.
 */
export function edgesFromMonth(hours: Record<string, string>, slots: Record<string, string>): Map<string, Record<string, string>> {
  const byDay = new Map<string, [string, string][]>();
  const cellsOf = (day: string) => byDay.get(day) ?? byDay.set(day, []).get(day)!;
  for (const { kind, day, sub: hour, value } of monthCells(hours)) {
    const cells = cellsOf(day);
    cells.push([kind, value]);
    for (let h = 1; h <= 23; h++) if (inBoundary(h, hour)) cells.push([`${kind}${pad2(h)}`, value]);
  }
  for (const { kind, day, sub: slot, value } of monthCells(slots)) cellsOf(day).push([`${kind}${slotPos(slot)}`, value]);
  return new Map([...byDay].map(([day, cells]) => [day, sumsByName(cells)]));
}

/**
 * A product's year item (level T: the year's total `q`, `n` and each month's `q{MM}`, `n{MM}`)
 * from its hour cells of the year's months (level H, by month `MM`): what a table written before
 * the year level gets it from.
 */
export function yearTotalsOfHours(months: ReadonlyMap<string, Record<string, string>>): Record<string, string> {
  return sumsByName(
    [...months].flatMap(([month, hours]) =>
      monthCells(hours).flatMap(({ kind, value }): [string, string][] => [
        [kind, value],
        [`${kind}${month}`, value],
      ]),
    ),
  );
}

/**
 * An order's year totals (level Y, `q_{hash}`) from its day cells of the year's months (level M,
 * `q{DD}_{hash}`): what a table written before the year level gets them from. Exact text.
 */
export function yearFromDays(months: readonly Record<string, string>[]): Record<string, string> {
  return sumsByName(
    months.flatMap((cells) =>
      Object.entries(cells).flatMap(([name, value]): [string, string][] => {
        const m = /^([qn])\d{2}_([0-9a-f]{16})$/.exec(name);
        return m ? [[`${m[1]}_${m[2]}`, value]] : [];
      }),
    ),
  );
}

interface ProductLike {
  identifier: { agency: string; number: string; name?: unknown }[];
  actualQuantity?: { value: number; uom: string };
}

/**
 * The lines a record counts: each product line with a first identifier and an actual quantity,
 * in its own unit. The one reading of a record both the aggregates and a report's edges use.
 */
export function consumptionLines(record: WorkRecordDocument): { product: Ref; uom: string; value: Decimal }[] {
  const out: { product: Ref; uom: string; value: Decimal }[] = [];
  for (const group of (record.productGroup ?? []) as { product: ProductLike[] }[]) {
    for (const product of group.product) {
      const ref = refOf(product.identifier);
      const actual = product.actualQuantity;
      if (!ref || !actual) continue;
      out.push({ product: ref, uom: actual.uom, value: parseDecimal(actual.value) });
    }
  }
  return out;
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
    for (const { product: ref, uom, value: parsed } of consumptionLines(record)) {
      const h = hashOf([ref.agency, ref.number, uom]);
      const value = sign === 1 ? parsed : { ...parsed, units: -parsed.units };
      for (const level of LEVELS.product) {
        const { period, positions } = positionsOf(level, time);
        const productItem = item('product', level, period, h);
        productItem.refs.product = JSON.stringify(ref);
        productItem.refs.uom = uom;
        for (const pos of positions) {
          add(productItem, `q${pos}`, value);
          add(productItem, `n${pos}`, one);
        }
      }
      for (const level of LEVELS.order) {
        const { period, pos } = positionOf(level as PointLevel, time);
        const orderItem = item('order', level, period, orderHash);
        orderItem.refs.order = JSON.stringify(order);
        orderItem.refs[`p_${h}`] = JSON.stringify({ product: ref, uom });
        add(orderItem, `q${pos}_${h}`, value);
        add(orderItem, `n${pos}_${h}`, one);
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
    // Any instant, to the millisecond: the partial slots at the edges are summed from the records.
    return parseClientTime(raw, name);
  };
  const from = instant('from');
  const to = instant('to');
  if (from >= to) throw bad('to', 'must be after from', 'to must be later than from (from inclusive, to exclusive).');
  return { from, to, groupBy, tz };
}

/**
 * The longest report each grouping answers, in days of `to − from` (issue 24: a report must finish
 * within its route's 28 s for any range, or be refused before any work). A day report computes
 * every local day's bounds and reads every day's edge item (and, in a quarter-hour zone, slot
 * cells of every month) — before a table's edge items are built, the hour and slot items of every
 * month; an order report reads an order's year totals or day totals, every month's before they
 * are built; a product report reads one item per year and product (before the year items are
 * built, the hour items of every month). 367 days holds any calendar year and the day after it;
 * 3,660 days any ten calendar years and a week.
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

/** One stretch of a report that one interval level answers: [start, end), inside one local day when grouped by day. */
interface Piece {
  start: number;
  end: number;
  day?: string;
}

/** Splits [a, b) into the coarsest pieces the levels hold: whole UTC days, then whole hours, then slots. */
function split(
  a: number,
  b: number,
  levels: readonly IntervalLevel[],
  day: string | undefined,
  into: Record<IntervalLevel, Piece[]>,
): void {
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
  /**
   * The only attributes the report uses of these items, when it uses a few (a product item's
   * descriptions and the sums and counts of the cells the plan counts): the store reads just
   * those. Absent: the whole items (order items name their products by hashes a report cannot
   * know before reading; a read that needs most positions gains nothing).
   */
  attributes?: readonly string[];
}

/**
 * Most positions a read names (two attributes each) before it reads whole items instead: keeps a
 * projection (`#a0, #a1, …`) well inside DynamoDB's 4 KB expression limit.
 */
export const MAX_PROJECTED_POSITIONS = 200;

/**
 * A stretch of a report's range summed from the records dated in it, [start, end), added or
 * taken away (sign): the partial slots at the edges of a range off the slot edges, and, by order,
 * the hours between a range's ends and the nearest UTC midnights.
 */
export interface EdgeRange {
  start: number;
  end: number;
  sign: 1 | -1;
}

/** How each cell a report reads counts: per group (a local day, or '' when not grouped by day), a multiple (+1 added, −1 taken away). */
type Cells = Map<string, Map<string, number>>;

const cellKey = (level: Level, period: string, pos: string) => `${level}#${period}#${pos}`;

export interface ReportPlan {
  reads: AggregateRead[];
  /** Each cell read (`{level}#{period}#{position}`) with the groups it counts in and how. */
  cells: Cells;
  /** What is summed from the records (none when by product or day from and to are on slot edges), in order. */
  edges: EdgeRange[];
  groupBy: GroupBy;
  tz: string;
}

/**
 * Which roll-ups a plan may read. `current`: the year and edge levels (T, E; Y) too, once every
 * item of them has been built (store/backfill.ts, part `consumption-edges`); `legacy`: only the
 * levels every version wrote (H, S; M, S), for a table not brought up to date yet.
 */
export type RollupSet = 'current' | 'legacy';

const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;
const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit;
const yearStart = (t: number, add = 0) => utcMs(new Date(t).getUTCFullYear() + add, 0, 1);
const monthStart = (t: number, add = 0) => utcMs(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth() + add, 1);
/** The UTC year start nearest to t (the later one at a tie). */
const nearestYearStart = (t: number) => {
  const down = yearStart(t);
  const up = yearStart(t, 1);
  return t - down < up - t ? down : up;
};
/** The UTC midnight nearest to t (the later one at a tie). */
const nearestMidnight = (t: number) => {
  const down = floorTo(t, DAY_MS);
  return t - down < down + DAY_MS - t ? down : down + DAY_MS;
};

/** Collects a plan's cells and edges. */
function planBuilder() {
  const cells: Cells = new Map();
  const edges: EdgeRange[] = [];
  const cell = (level: Level, period: string, pos: string, group: string, sign: number) => {
    const key = cellKey(level, period, pos);
    let groups = cells.get(key);
    if (!groups) {
      groups = new Map();
      cells.set(key, groups);
    }
    const next = (groups.get(group) ?? 0) + sign;
    if (next === 0) groups.delete(group);
    else groups.set(group, next);
    if (groups.size === 0) cells.delete(key);
  };
  const at = (level: PointLevel, t: number, group: string, sign: number) => {
    const { period, pos } = positionOf(level, t);
    cell(level, period, pos, group, sign);
  };
  /** Every cell of an interval level in [a, b) (a and b on its unit's edges). */
  const each = (level: IntervalLevel, a: number, b: number, group: string, sign: number) => {
    for (let t = a; t < b; t += UNIT_MS[level]) at(level, t, group, sign);
  };
  const records = (start: number, end: number, sign: 1 | -1) => {
    if (start < end) edges.push({ start, end, sign });
  };
  return { cells, edges, cell, at, each, records };
}
type Builder = ReturnType<typeof planBuilder>;

/**
 * What a product has from its UTC day's midnight to t (a slot edge), as cells of the day's edge
 * item: at an hour up to SUFFIX_LAST_HOUR the day's total less the boundary suffix from that
 * hour, later the boundary prefix to it; then the slots from the whole hour to t.
 */
function sinceMidnight(plan: Builder, t: number, group: string, sign: number): void {
  const midnight = floorTo(t, DAY_MS);
  const hour = Math.floor((t - midnight) / HOUR_MS);
  const day = dayOf(midnight);
  if (hour > 0) {
    if (hour <= SUFFIX_LAST_HOUR) {
      plan.cell('E', day, '', group, sign);
      plan.cell('E', day, pad2(hour), group, -sign);
    } else plan.cell('E', day, pad2(hour), group, sign);
  }
  for (let slot = hour * 4; midnight + slot * SLOT_MS < t; slot++) plan.cell('E', day, slotPos(slot), group, sign);
}

/**
 * A product's whole UTC days [a, b): each whole UTC year among them by its total, each whole
 * month by its total, and the days of a month cut by a or b by their day totals, or as the
 * month's total less the days left out, whichever reads fewer day items.
 */
function productDays(plan: Builder, a: number, b: number, group: string): void {
  const days = (from: number, to: number, sign: number) => {
    for (let d = from; d < to; d += DAY_MS) plan.cell('E', dayOf(d), '', group, sign);
  };
  let t = a;
  while (t < b) {
    const nextYear = yearStart(t, 1);
    if (t === yearStart(t) && nextYear <= b) {
      plan.cell('T', positionOf('T', t).period, '', group, 1);
      t = nextYear;
      continue;
    }
    const first = monthStart(t);
    const next = monthStart(t, 1);
    const end = Math.min(next, b);
    if ((next - first) / DAY_MS - (end - t) / DAY_MS < (end - t) / DAY_MS) {
      plan.cell('T', positionOf('T', t).period, monthOf(t), group, 1);
      days(first, t, -1);
      days(end, next, -1);
    } else days(t, end, 1);
    t = end;
  }
}

/** A product's [a, b) (slot edges): the UTC days from a's to b's, less what a's day had before a, plus what b's day had before b. */
function productRange(plan: Builder, a: number, b: number, group: string): void {
  productDays(plan, floorTo(a, DAY_MS), floorTo(b, DAY_MS), group);
  sinceMidnight(plan, a, group, -1);
  sinceMidnight(plan, b, group, 1);
}

/** Whole UTC days [a, b) by order: whole UTC years from the year totals, the days between them and a and b from the day totals. */
function orderDays(plan: Builder, a: number, b: number): void {
  const ya = nearestYearStart(a);
  const yb = nearestYearStart(b);
  if (ya >= yb) {
    plan.each('M', a, b, '', 1);
    return;
  }
  for (let y = ya; y < yb; y = yearStart(y, 1)) plan.at('Y', y, '', 1);
  if (a < ya) plan.each('M', a, ya, '', 1);
  else plan.each('M', ya, a, '', -1);
  if (yb < b) plan.each('M', yb, b, '', 1);
  else plan.each('M', b, yb, '', -1);
}

/**
 * By order, [a, b) at any instants: whole UTC days (and years) from the roll-ups, and what lies
 * between a and b and the UTC midnights nearest them from the records (added, or taken away where
 * the midnight lies outside the range): at most 12 hours at each end.
 */
function orderRange(plan: Builder, a: number, b: number): void {
  const da = nearestMidnight(a);
  const db = nearestMidnight(b);
  if (da >= db) {
    plan.records(a, b, 1);
    return;
  }
  if (a < da) plan.records(a, da, 1);
  else plan.records(da, a, -1);
  if (db < b) plan.records(db, b, 1);
  else plan.records(b, db, -1);
  orderDays(plan, da, db);
}

/** The local days of [a, b) in tz, each clipped to the range: day edges in any zone are slot edges. */
function localDays(a: number, b: number, tz: string): { start: number; end: number; date: string }[] {
  const out: { start: number; end: number; date: string }[] = [];
  let date = localDate(a, tz);
  let start = a;
  while (start < b) {
    const next = nextLocalDate(date);
    const end = Math.min(startOfLocalDay(next, tz), b);
    out.push({ start, end, date });
    date = next;
    start = end;
  }
  return out;
}

/** The current plan: year and edge levels, records between a range's ends and the nearest cells. */
function currentPlan(query: ConsumptionQuery, plan: Builder): void {
  if (query.groupBy === 'order') {
    orderRange(plan, query.from, query.to);
    return;
  }
  const lo = ceilTo(query.from, SLOT_MS);
  const hi = floorTo(query.to, SLOT_MS);
  if (lo >= hi) {
    plan.records(query.from, query.to, 1); // no whole slot between the ends
    return;
  }
  plan.records(query.from, lo, 1);
  plan.records(hi, query.to, 1);
  if (query.groupBy === 'day') for (const day of localDays(lo, hi, query.tz)) productRange(plan, day.start, day.end, day.date);
  else productRange(plan, lo, hi, '');
}

/** The plan of a table not brought up to date: the whole slots split into whole UTC days (by order) or hours, and slots; the partial slots at the edges from the records. */
function legacyPlan(query: ConsumptionQuery, plan: Builder): void {
  const levels: readonly IntervalLevel[] = query.groupBy === 'order' ? ['M', 'S'] : ['H', 'S'];
  const lo = ceilTo(query.from, SLOT_MS);
  const hi = floorTo(query.to, SLOT_MS);
  if (lo > hi) {
    plan.records(query.from, query.to, 1); // both ends inside one slot
    return;
  }
  plan.records(query.from, lo, 1);
  plan.records(hi, query.to, 1);
  const pieces: Record<IntervalLevel, Piece[]> = { M: [], H: [], S: [] };
  if (query.groupBy === 'day') for (const day of localDays(lo, hi, query.tz)) split(day.start, day.end, levels, day.date, pieces);
  else split(lo, hi, levels, undefined, pieces);
  for (const level of levels) for (const p of pieces[level]) plan.each(level, p.start, p.end, p.day ?? '', 1);
}

/**
 * What a report reads: the cells whose sums make its rows, each counted into its groups added or
 * taken away, the item ranges that hold them, and the stretches summed from the records.
 *
 * Current roll-ups, by product or day: a range [a, b) on slot edges is the UTC days from a's to
 * b's, less what a's day had before a, plus what b's day had before b; what a day has before an
 * instant is a boundary cell (with the day's total) and at most three slots. A local day in a
 * whole-hour zone thus reads a day total and two boundary cells, however many records it has.
 * By order: UTC years from the year totals, the days between them and the range's ends from the
 * day totals, the hours to the nearest midnight from the records.
 */
export function reportPlan(query: ConsumptionQuery, rollups: RollupSet = 'current'): ReportPlan {
  const plan = planBuilder();
  if (rollups === 'current') currentPlan(query, plan);
  else legacyPlan(query, plan);
  const kind = query.groupBy === 'order' ? 'order' : 'product';
  // One read per level and period the cells name, and per month of the day items (level E) they
  // name, from its first such day to its last: the store runs them side by side (one Query each).
  const positions = new Map<string, { level: Level; first: string; last: string; positions: Set<string> }>();
  for (const key of plan.cells.keys()) {
    const [level, period, pos] = key.split('#') as [Level, string, string];
    const id = `${level}#${level === 'E' ? period.slice(0, 7) : period}`;
    const found = positions.get(id) ?? { level, first: period, last: period, positions: new Set() };
    if (period < found.first) found.first = period;
    if (period > found.last) found.last = period;
    found.positions.add(pos);
    positions.set(id, found);
  }
  const reads: AggregateRead[] = [...positions.values()]
    .sort((x, y) => LEVEL_ORDER.indexOf(x.level) - LEVEL_ORDER.indexOf(y.level) || (x.first < y.first ? -1 : x.first > y.first ? 1 : 0))
    .map(({ level, first, last, positions: names }) => {
      // Order items name their products by hash: read whole. Product items: only the cells used, up to a limit.
      const attributes =
        kind === 'product' && names.size <= MAX_PROJECTED_POSITIONS
          ? ['product', 'uom', ...[...names].sort().flatMap((pos) => [`q${pos}`, `n${pos}`])]
          : null;
      return { kind, level, first, last, ...(attributes ? { attributes } : {}) };
    });
  return { reads, cells: plan.cells, edges: plan.edges, groupBy: query.groupBy, tz: query.tz };
}

/** The order reads are listed in: coarsest first. */
const LEVEL_ORDER: readonly Level[] = ['T', 'Y', 'E', 'M', 'H', 'S'];

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

/** A sum or count attribute: `q`/`n`, its position (none for a year total), and for order items the product's hash. */
const CELL_ATTRIBUTE = /^([qn])(\d{4}|\d{2}|s\d{2})?(?:_([0-9a-f]{16}))?$/;

/**
 * A record dated in an edge of a report, as its head holds it now: its latest revision's document,
 * and whether that revision voided it. Counted as the aggregates count it (record-figures.ts): the
 * latest revision's lines, a voided record nothing (neither quantity nor record).
 */
export interface EdgeRecord {
  agency: string;
  number: string;
  doc: WorkRecordDocument;
  voided: boolean;
}

type RowEntry = { row: Omit<ConsumptionRow, 'quantity' | 'records'> & { uom: string }; sum: Decimal; records: number };

const times = (value: Decimal, multiple: number): Decimal => ({ ...value, units: value.units * BigInt(multiple) });

/**
 * The report's rows: the cells of the items its plan read, each counted into its groups as the
 * plan says, and the lines of the records dated in the plan's edges, summed per group, exactly.
 */
export function consumptionRows(
  items: readonly AggregateItem[],
  plan: ReportPlan,
  edgeRecords: readonly EdgeRecord[] = [],
): ConsumptionRow[] {
  const rows = new Map<string, RowEntry>();
  const entry = (day: string | undefined, workOrder: { agency: string; number: string } | undefined, product: Ref, uom: string) => {
    const key = JSON.stringify([day ?? '', workOrder?.agency ?? '', workOrder?.number ?? '', product.agency, product.number, uom]);
    let found = rows.get(key);
    if (!found) {
      found = {
        row: { product, ...(day !== undefined ? { day } : {}), ...(workOrder ? { workOrder } : {}), uom },
        sum: ZERO,
        records: 0,
      };
      rows.set(key, found);
    }
    return found;
  };
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
    for (const [name, value] of Object.entries(a)) {
      const m = CELL_ATTRIBUTE.exec(name);
      if (!m) continue;
      const [, kind, pos = '', h] = m as unknown as [string, 'q' | 'n', string | undefined, string | undefined];
      const groups = plan.cells.get(cellKey(item.level, item.period, pos));
      if (!groups) continue;
      const what = describe(item.kind === 'product' ? undefined : h);
      if (what === null) continue;
      for (const [group, multiple] of groups) {
        const row = entry(group === '' ? undefined : group, workOrder, what.product, what.uom);
        if (kind === 'q') row.sum = addDecimal(row.sum, times(parseDecimal(value), multiple));
        else row.records += Number(value) * multiple;
      }
    }
  }
  // The edges: each record once per edge (by identity), when its latest revision is dated inside it.
  for (const edge of plan.edges) {
    const seen = new Set<string>();
    for (const record of edgeRecords) {
      const id = JSON.stringify([record.agency, record.number]);
      if (record.voided || seen.has(id)) continue;
      const t = recordTime(record.doc);
      if (t === null || t < edge.start || t >= edge.end) continue;
      seen.add(id);
      const day = plan.groupBy === 'day' ? localDate(t, plan.tz) : undefined;
      const o = record.doc.workOrderIdentifier;
      const workOrder = plan.groupBy === 'order' ? { agency: o.agency, number: o.number } : undefined;
      for (const line of consumptionLines(record.doc)) {
        const row = entry(day, workOrder, line.product, line.uom);
        row.sum = addDecimal(row.sum, times(line.value, edge.sign));
        row.records += edge.sign;
      }
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
