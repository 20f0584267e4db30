/**
 * The boundary (B) and year (Y) roll-ups of a table written before them, built from the older
 * levels (backfill part `consumption-boundaries`, store/backfill.ts): a product's boundary cells
 * of a month from its hour cells, its year's total from its day cells, an order's year totals
 * from its day cells of the year's months (domain/consumption.ts: boundariesFromHours,
 * yearTotalOfDays, yearFromDays).
 *
 * The derive engine keeps counting while this runs: each of its Updates of a B or Y item adds 1
 * to the item's write counter, in the same transaction as the H or M cells it adds to. So the
 * build reads the item's counter first, then its sources, and replaces the item only if the
 * counter is still the one it read: whatever the engine wrote before is in the sources it summed,
 * whatever it wrote after fails the condition, and the build reads again. Idempotent: an item that
 * already holds what the build makes is not written (a second run writes nothing).
 */
import { GetCommand, NumberValue, PutCommand } from '@aws-sdk/lib-dynamodb';
import { boundariesFromHours, yearFromDays, yearTotalOfDays } from '../domain/consumption.ts';
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

/** Builds the boundary item of the month and product of an hour item (level H): whether it wrote. */
export function rebuildBoundaries(hourItem: Item, between?: Between): Promise<boolean> {
  const pk = text(hourItem, TABLE.partitionKey);
  const hourSk = text(hourItem, TABLE.sortKey);
  const period = text(hourItem, 'period');
  return replaceUnlessWritten(
    pk,
    consumptionSk('product', 'B', period, hashOfKey(hourSk)),
    async () => {
      const hours = await getExact(pk, hourSk);
      if (!hours) return null;
      const cells = boundariesFromHours(attributesOf(hours));
      return { kind: 'consumption-product', level: 'B', period, product: text(hours, 'product'), uom: text(hours, 'uom'), ...cells };
    },
    between,
  );
}

/** Adds the year's total (position '') to a product's day-totals item (level D) written before it had one: whether it wrote. */
export function rebuildYearTotal(dayItem: Item): Promise<boolean> {
  const pk = text(dayItem, TABLE.partitionKey);
  const sk = text(dayItem, TABLE.sortKey);
  // The item is its own source: the build takes it as read, no second read.
  return replaceUnlessWritten(pk, sk, async (days) => {
    if (!days) return null;
    const kept = attributesOf(days);
    return { ...kept, ...yearTotalOfDays(kept) };
  });
}

/** The (partition, year, order hash) of a day item (level M): one year item is built per such key. */
export function yearKeyOf(dayItem: Item): string {
  return JSON.stringify([text(dayItem, TABLE.partitionKey), text(dayItem, 'period').slice(0, 4), hashOfKey(text(dayItem, TABLE.sortKey))]);
}

/** Builds an order's year item from its day items of the year's twelve months: whether it wrote. */
export function rebuildYear(yearKey: string): Promise<boolean> {
  const [pk, year, hash] = JSON.parse(yearKey) as [string, string, string];
  return replaceUnlessWritten(pk, consumptionSk('order', 'Y', year, hash), async () => {
    const months = (
      await Promise.all(
        Array.from({ length: 12 }, (_, m) => getExact(pk, consumptionSk('order', 'M', `${year}-${String(m + 1).padStart(2, '0')}`, hash))),
      )
    ).filter((item): item is Item => item !== undefined);
    if (months.length === 0) return null;
    const described = Object.assign({}, ...months.map((m) => Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('p_')))));
    const cells = yearFromDays(months.map(attributesOf));
    return { kind: 'consumption-order', level: 'Y', period: year, order: text(months[0]!, 'order'), ...described, ...cells };
  });
}
