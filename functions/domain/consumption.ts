/**
 * Consumption (production reports): what work records say was dispensed, kept as aggregates so
 * that a report reads months × products items, never the records.
 *
 * Granularity: 15-minute UTC slots. Every IANA zone's offset today is a multiple of 15 minutes,
 * so every local day (DST days included, 23 or 25 hours) is a whole number of slots and a
 * report by day in any zone is exact. Slots are held in one item per product (and unit) per
 * UTC month, one attribute pair per slot that has data (`q{DD}{SS}` sum, `n{DD}{SS}` records),
 * and per order per UTC month with the product's hash appended. A record adds to its items in
 * the transaction that creates it, so it counts exactly once.
 */
import { createHash } from 'node:crypto';
import { addDecimal, type Decimal, formatDecimal, parseDecimal, ZERO } from './decimal.ts';
import { invalidInput } from './errors.ts';
import { parseClientTime } from './time.ts';
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
  month: string;
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

/** The time a record is dated by: dispensingEndDateTime, else workRecordCreationDateTime (epoch ms). */
export function recordTime(record: WorkRecordDocument): number | null {
  const r = record as { dispensingEndDateTime?: string; workRecordCreationDateTime?: string };
  for (const text of [r.dispensingEndDateTime, r.workRecordCreationDateTime]) {
    const t = text === undefined ? Number.NaN : Date.parse(text);
    if (!Number.isNaN(t)) return t;
  }
  return null;
}

/** The UTC month and the slot attribute suffix (`DDSS`) of an instant. */
export function slotOf(ms: number): { month: string; slot: string } {
  const iso = new Date(ms).toISOString();
  const d = new Date(ms);
  const slot = Math.floor((d.getUTCHours() * 60 + d.getUTCMinutes()) / 15);
  return { month: iso.slice(0, 7), slot: `${iso.slice(8, 10)}${String(slot).padStart(2, '0')}` };
}

/** The instant a slot starts, from its month and `DDSS`. */
export function slotStart(month: string, slot: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Date.UTC(y, m - 1, Number(slot.slice(0, 2))) + Number(slot.slice(2, 4)) * SLOT_MS;
}

interface ProductLike {
  identifier: { agency: string; number: string; name?: unknown }[];
  actualQuantity?: { value: number; uom: string };
}

/**
 * What these new records add to the aggregates, merged per item: a request touches each item
 * once (a transaction may not name an item twice), however many records and products it holds.
 */
export function consumptionDeltas(records: readonly WorkRecordDocument[]): AggregateDelta[] {
  const items = new Map<string, AggregateDelta>();
  const item = (kind: AggregateDelta['kind'], month: string, hash: string) => {
    const id = `${kind}#${month}#${hash}`;
    let found = items.get(id);
    if (!found) {
      found = { kind, month, hash, refs: {}, adds: new Map() };
      items.set(id, found);
    }
    return found;
  };
  const add = (delta: AggregateDelta, name: string, value: Decimal) =>
    delta.adds.set(name, addDecimal(delta.adds.get(name) ?? ZERO, value));
  const one = parseDecimal(1);
  for (const record of records) {
    const time = recordTime(record);
    if (time === null) continue;
    const { month, slot } = slotOf(time);
    const order = { agency: record.workOrderIdentifier.agency, number: record.workOrderIdentifier.number };
    const orderItem = item('order', month, hashOf([order.agency, order.number]));
    orderItem.refs.order = JSON.stringify(order);
    for (const group of (record.productGroup ?? []) as { product: ProductLike[] }[]) {
      for (const product of group.product) {
        const ref = refOf(product.identifier);
        const actual = product.actualQuantity;
        if (!ref || !actual) continue;
        const h = hashOf([ref.agency, ref.number, actual.uom]);
        const value = parseDecimal(actual.value);
        const productItem = item('product', month, h);
        productItem.refs.product = JSON.stringify(ref);
        productItem.refs.uom = actual.uom;
        add(productItem, `q${slot}`, value);
        add(productItem, `n${slot}`, one);
        orderItem.refs[`p_${h}`] = JSON.stringify({ product: ref, uom: actual.uom });
        add(orderItem, `q${slot}_${h}`, value);
        add(orderItem, `n${slot}_${h}`, one);
      }
    }
  }
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

/** A formatter of local dates in `tz` (throws RangeError for an unknown zone). */
const dateFormatters = new Map<string, Intl.DateTimeFormat>();
function dateFormatter(tz: string): Intl.DateTimeFormat {
  let f = dateFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    dateFormatters.set(tz, f);
  }
  return f;
}

/** The local wall time of an instant in `tz`, as if it were UTC (epoch ms). */
function wallTime(ms: number, tz: string): number {
  const parts = Object.fromEntries(
    dateFormatter(tz)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
}

/** The local date (YYYY-MM-DD) of an instant in `tz`. */
export function localDate(ms: number, tz: string): string {
  return new Date(wallTime(ms, tz)).toISOString().slice(0, 10);
}

/** The first instant of local date `date` in `tz` (midnight, or the day's first instant where midnight is skipped). */
export function startOfLocalDay(date: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let t = wall;
  for (let i = 0; i < 3; i++) t = wall - (wallTime(t, tz) - t);
  // Where a DST change skips midnight, the day starts at the first instant that is on that date.
  while (localDate(t - SLOT_MS, tz) === date) t -= SLOT_MS;
  while (localDate(t, tz) < date) t += SLOT_MS;
  return t;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Reads from, to, groupBy and tz: a 400 naming the parameter on anything wrong. */
export function parseConsumptionQuery(q: Record<string, string | undefined>): ConsumptionQuery {
  const tz = q.tz ?? 'UTC';
  try {
    dateFormatter(tz);
  } catch {
    throw bad('tz', 'not an IANA time zone', `tz must be an IANA time zone such as Europe/Berlin or America/Chicago; ${tz} is not one.`);
  }
  const groupBy = (q.groupBy ?? 'product') as GroupBy;
  if (!['product', 'day', 'order'].includes(groupBy))
    throw bad('groupBy', 'must be product, day or order', 'groupBy must be product, day or order.');
  const instant = (name: 'from' | 'to'): number => {
    const raw = q[name];
    if (raw === undefined) throw bad(name, 'is required', `${name} is required: a date-time with a zone or a date YYYY-MM-DD.`);
    if (DATE_ONLY.test(raw)) {
      if (Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) || new Date(`${raw}T00:00:00Z`).toISOString().slice(0, 10) !== raw) {
        throw bad(name, 'not a date', `${name} is not a calendar date.`);
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

/** The UTC months whose items a report over [from, to) reads. */
export function monthsOf(from: number, to: number): { first: string; last: string } {
  return { first: new Date(from).toISOString().slice(0, 7), last: new Date(to - 1).toISOString().slice(0, 7) };
}

/** An aggregate item as read: its month and its attributes, numbers as exact text. */
export interface AggregateItem {
  kind: 'product' | 'order';
  month: string;
  attributes: Record<string, string>;
}

export interface ConsumptionRow {
  product: Ref;
  day?: string;
  workOrder?: { agency: string; number: string };
  quantity: { value: string; uom: string };
  records: number;
}

const SLOT_ATTRIBUTE = /^([qn])(\d{4})(?:_([0-9a-f]{16}))?$/;

/** The report's rows from the items of its months: slots inside [from, to) summed per group, exactly. */
export function consumptionRows(items: readonly AggregateItem[], query: ConsumptionQuery): ConsumptionRow[] {
  const rows = new Map<string, { row: Omit<ConsumptionRow, 'quantity' | 'records'> & { uom: string }; sum: Decimal; records: number }>();
  const days = new Map<number, string>();
  const dayOf = (t: number) => {
    let d = days.get(t);
    if (d === undefined) {
      d = localDate(t, query.tz);
      days.set(t, d);
    }
    return d;
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
      const m = SLOT_ATTRIBUTE.exec(name);
      if (!m) continue;
      const [, kind, slot, h] = m as unknown as [string, 'q' | 'n', string, string | undefined];
      const t = slotStart(item.month, slot);
      if (t < query.from || t >= query.to) continue;
      const what = describe(item.kind === 'product' ? undefined : h);
      if (what === null) continue;
      const { product, uom } = what;
      const day = query.groupBy === 'day' ? dayOf(t) : undefined;
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
  return [...rows.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { row, sum, records }]) => {
      const { uom, ...rest } = row;
      return { ...rest, quantity: { value: formatDecimal(sum), uom }, records };
    });
}
