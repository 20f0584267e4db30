/**
 * The year (T, Y) and edge (E) roll-ups of a table written before them, built from the levels
 * every version wrote (backfill part `consumption-edges`, store/backfill.ts): a product's edge
 * items of a month's days from its hour and slot cells, its year's total from its hour cells, an
 * order's year totals from its day cells of the year's months (domain/consumption.ts:
 * edgesFromMonth, yearTotalsOfHours, yearFromDays).
 *
 * The derive engine keeps counting while this runs: each of its Updates of a T, E or Y item adds 1
 * to the item's write counter, in the same transaction as the H, S or M cells it adds to. So the
 * build reads the item's counter first, then its sources, and replaces the item only if the
 * counter is still the one it read: whatever the engine wrote before is in the sources it summed,
 * whatever it wrote after fails the condition, and the build reads again. Idempotent: an item that
 * already holds what the build makes is not written (a second run writes nothing).
 */
import { GetCommand, NumberValue, PutCommand } from '@aws-sdk/lib-dynamodb';
import { edgesFromMonth, yearFromDays, yearTotalsOfHours } from '../domain/consumption.ts';
import { config } from '../shared/config.ts';
import { dynamoExactClient } from './clients.ts';
import { WRITES } from './consumption-store.ts';
import { text } from './item-fields.ts';
import { consumptionSk } from './keys.ts';
import type { Item } from './paginate.ts';
import { TABLE } from './table.ts';

const isConditionFailure = (e: unknown) => (e as Error).name === 'ConditionalCheckFailedException';

async function getExact(pk: string, sk: string): Promise<Item | undefined> {
  const out = await dynamoExactClient().send(
    new GetCommand({ TableName: config().tableName, Key: { [TABLE.partitionKey]: pk, [TABLE.sortKey]: sk }, ConsistentRead: true }),
  );
  return out.Item;
}

/** An item's attributes but its keys and write counter, as text (the exact client reads numbers as their decimal text). */
const attributesOf = (item: Item): Record<string, string> =>
  Object.fromEntries(
    Object.entries(item)
      .filter(([k]) => k !== TABLE.partitionKey && k !== TABLE.sortKey && k !== WRITES)
      .map(([k, v]) => [k, String(v)]),
  );

/** Whether an item already holds exactly these attributes (its keys and write counter apart): nothing to write. */
function sameAttributes(current: Item, next: Item): boolean {
  const sorted = (item: Item) => JSON.stringify(Object.entries(attributesOf(item)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return sorted(current) === sorted(next);
}

/** The last part of an aggregate's sort key: the hash of what it counts. */
const hashOfKey = (sk: string) => sk.slice(sk.lastIndexOf('#') + 1);

/**
 * Replaces an item with what `build` makes of its sources (given the item as read, for a build
 * whose source is the item itself) unless the engine wrote it meanwhile (then reads again):
 * answers whether it wrote.
 */
async function replaceUnlessWritten(
  pk: string,
  sk: string,
  build: (current: Item | undefined) => Promise<Item | null>,
  between?: Between,
): Promise<boolean> {
  for (;;) {
    const current = await getExact(pk, sk);
    const writes = current?.[WRITES] as string | undefined;
    const next = await build(current);
    if (next === null || (current !== undefined && sameAttributes(current, next))) return false;
    await between?.();
    const cells = Object.fromEntries(
      Object.entries(next).map(([name, value]) => [name, /^[qn]/.test(name) ? NumberValue.from(value as string) : value]),
    );
    try {
      await dynamoExactClient().send(
        new PutCommand({
          TableName: config().tableName,
          Item: { [TABLE.partitionKey]: pk, [TABLE.sortKey]: sk, ...cells, [WRITES]: NumberValue.from(writes ?? '0') },
          ConditionExpression: writes === undefined ? 'attribute_not_exists(#w)' : '#w = :w',
          ExpressionAttributeNames: { '#w': WRITES },
          ...(writes === undefined ? {} : { ExpressionAttributeValues: { ':w': NumberValue.from(writes) } }),
        }),
      );
      return true;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
}

/** Run between reading the sources and replacing the item (tests write there, as the engine may). */
type Between = () => Promise<void>;

/** The product and unit an hour item (level H) describes, as the items built from it carry them. */
const describedBy = (hours: Item) => ({ kind: 'consumption-product', product: text(hours, 'product'), uom: text(hours, 'uom') });

/** A product's edge cells of a month's days, from its hour and slot items as they are now (and the hour item, which describes the product). */
async function monthEdges(pk: string, month: string, hash: string) {
  const [hours, slots] = await Promise.all([
    getExact(pk, consumptionSk('product', 'H', month, hash)),
    getExact(pk, consumptionSk('product', 'S', month, hash)),
  ]);
  return { hours, days: edgesFromMonth(hours ? attributesOf(hours) : {}, slots ? attributesOf(slots) : {}) };
}

/** Builds the edge items (level E) of the days of an hour item's month and product: how many it wrote. */
export async function rebuildEdges(hourItem: Item, between?: Between): Promise<number> {
  const pk = text(hourItem, TABLE.partitionKey);
  const month = text(hourItem, 'period');
  const hash = hashOfKey(text(hourItem, TABLE.sortKey));
  let wrote = 0;
  // The days as the month's items are now (the scan's copy may be older than the engine's last write).
  for (const day of (await monthEdges(pk, month, hash)).days.keys()) {
    const period = `${month}-${day}`;
    const built = await replaceUnlessWritten(
      pk,
      consumptionSk('product', 'E', period, hash),
      async () => {
        // The month's cells read after the edge item's counter (a first pass may race the engine).
        const { hours, days } = await monthEdges(pk, month, hash);
        const cells = days.get(day);
        return hours && cells ? { ...describedBy(hours), level: 'E', period, ...cells } : null;
      },
      between,
    );
    if (built) wrote++;
  }
  return wrote;
}

/** The (partition, year, hash) of a month item (level H of a product, M of an order): one year item is built per such key. */
export function yearKeyOf(monthItem: Item): string {
  return JSON.stringify([
    text(monthItem, TABLE.partitionKey),
    text(monthItem, 'period').slice(0, 4),
    hashOfKey(text(monthItem, TABLE.sortKey)),
  ]);
}

/** The month items (level H or M) of a year, kind and hash, as they are now. */
async function monthsOf(pk: string, kind: 'product' | 'order', year: string, hash: string): Promise<Item[]> {
  const level = kind === 'product' ? 'H' : 'M';
  const months = await Promise.all(
    Array.from({ length: 12 }, (_, m) => getExact(pk, consumptionSk(kind, level, `${year}-${String(m + 1).padStart(2, '0')}`, hash))),
  );
  return months.filter((item): item is Item => item !== undefined);
}

/** Builds a product's year item (level T) from its hour items of the year's twelve months: whether it wrote. */
export function rebuildProductYear(yearKey: string): Promise<boolean> {
  const [pk, year, hash] = JSON.parse(yearKey) as [string, string, string];
  return replaceUnlessWritten(pk, consumptionSk('product', 'T', year, hash), async () => {
    const months = await monthsOf(pk, 'product', year, hash);
    if (months.length === 0) return null;
    const byMonth = new Map(months.map((m) => [text(m, 'period').slice(5, 7), attributesOf(m)]));
    return { ...describedBy(months[0]!), level: 'T', period: year, ...yearTotalsOfHours(byMonth) };
  });
}

/** Builds an order's year item from its day items of the year's twelve months: whether it wrote. */
export function rebuildYear(yearKey: string): Promise<boolean> {
  const [pk, year, hash] = JSON.parse(yearKey) as [string, string, string];
  return replaceUnlessWritten(pk, consumptionSk('order', 'Y', year, hash), async () => {
    const months = await monthsOf(pk, 'order', year, hash);
    if (months.length === 0) return null;
    const described = Object.assign({}, ...months.map((m) => Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('p_')))));
    const cells = yearFromDays(months.map(attributesOf));
    return { kind: 'consumption-order', level: 'Y', period: year, order: text(months[0]!, 'order'), ...described, ...cells };
  });
}
