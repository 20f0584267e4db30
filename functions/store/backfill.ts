/**
 * Upgrade in place: items written before the summaries indexes, the consumption aggregates and
 * the record-time index entries and the lot index existed get what the current code writes with every item. In
 * parts, each recorded done on its own (a `HUB`/`BACKFILL#{part}` item), so a table that ran an
 * earlier part runs only the new one:
 *
 * - `summaries-consumption` (issue 14): orders gain the summaries' index attributes; records not
 *   counted by the transaction that created them (no `aggregated` mark) are derived by the derive
 *   engine, idempotent per record revision, so a record counts exactly once however often (or
 *   concurrently) this runs.
 * - `record-time-index` (issue 26): record heads gain their entry by record time
 *   (record-time-index.ts), which the edges of a consumption report at any instant read; a head
 *   without it is missing from those edges until then.
 * - `lots` (issue 27): records counted before the lot index get the lot entries of their counted
 *   revision (use-cases/index-lots.ts, passed in by the caller); it runs after the derive part, so
 *   records that part counted have their entries from the engine already.
 * - `consumption-edges` (issue 30; it replaces issue 26's `consumption-boundaries`, whose boundary
 *   items per month and year totals in the day-totals items nothing reads any more): each
 *   product's edge items per day and year items and each order's year items are built from the
 *   hour and day items (store/consumption-rollups.ts), without losing what the derive engine
 *   counts meanwhile. Reports read the new levels only once this part's completion mark exists
 *   (consumption-store.ts, readRollups); before, the hour, slot and day levels alone.
 * - `record-counts` (issue 30): orders (and early reports) gain every record that names them and
 *   their count (`recordCount`), which the summaries read with the order instead of one COUNT
 *   Query each; records that named an order the hub does not know yet, and kept nothing, get the
 *   early report the derive engine now keeps for them, so the order created later counts them. Until
 *   it has run, an order without the count is counted on the records index (summary-store.ts).
 *
 * Idempotent: a second run finds nothing to do. Run at `npm start` (infra/local/start.ts).
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { identityKey } from '../domain/documents.ts';
import { isoMs } from '../domain/time.ts';
import type { WorkRecordDocument } from '../domain/work-records.ts';
import { config } from '../shared/config.ts';
import { dynamoClient, dynamoExactClient } from './clients.ts';
import { rebuildEdges, rebuildProductYear, rebuildYear, yearKeyOf } from './consumption-rollups.ts';
import { ROLLUPS_PART } from './consumption-store.ts';
import { derivedFiguresStore, earlyReportPut } from './derive-store.ts';
import { num, optionalNum, text } from './item-fields.ts';
import { backfillDoneKey, changePosition, ordersByStatusPk } from './keys.ts';
import { loadOrderSlots } from './order-store.ts';
import { scanPages } from './paginate.ts';
import { recordTimeIndex } from './record-time-index.ts';
import { TABLE } from './table.ts';

type Item = Record<string, unknown>;

const lostRace = (e: unknown) =>
  (e as Error).name === 'ConditionalCheckFailedException' ||
  ((e as Error).name === 'TransactionCanceledException' &&
    ((e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'));

/** Adds the summaries' index attributes to an order written before they existed (unless it changed meanwhile). */
async function backfillOrder(item: Item): Promise<boolean> {
  const { ordersByStatusModifiedIndex: byModified, ordersByStatusCreatedIndex: byCreated } = TABLE;
  const agency = text(item, 'agency');
  const number = text(item, 'number');
  try {
    await dynamoClient().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: { [TABLE.partitionKey]: item[TABLE.partitionKey], [TABLE.sortKey]: item[TABLE.sortKey] },
        UpdateExpression: 'SET #p = :p, #m = :m, #c = :c',
        ConditionExpression: 'attribute_not_exists(#p) AND #v = :v',
        ExpressionAttributeNames: { '#p': byModified.partitionKey, '#m': byModified.sortKey, '#c': byCreated.sortKey, '#v': 'version' },
        ExpressionAttributeValues: {
          ':p': ordersByStatusPk(text(item, 'facilityId'), text(item, 'status')),
          ':m': changePosition(isoMs(Date.parse(text(item, 'modifiedAt'))), agency, number),
          ':c': changePosition(isoMs(Date.parse(text(item, 'createdAt'))), agency, number),
          ':v': num(item, 'version'),
        },
      }),
    );
    return true;
  } catch (e) {
    // Rewritten meanwhile by current code, which writes the attributes itself.
    if (lostRace(e)) return false;
    throw e;
  }
}

/**
 * Adds a record head's entry by record time (unless a correction rewrote the head meanwhile: the
 * current code writes the entry itself). A head dated by nothing gets none.
 */
async function backfillRecordTime(item: Item): Promise<boolean> {
  const index = recordTimeIndex(
    text(item, 'facilityId'),
    JSON.parse(text(item, 'doc')) as WorkRecordDocument,
    text(item, 'agency'),
    text(item, 'number'),
  );
  const [[pkName, pkValue] = [], [skName, skValue] = []] = Object.entries(index);
  if (pkName === undefined || skName === undefined) return false;
  const revision = optionalNum(item, 'revision');
  try {
    await dynamoClient().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: { [TABLE.partitionKey]: item[TABLE.partitionKey], [TABLE.sortKey]: item[TABLE.sortKey] },
        UpdateExpression: 'SET #p = :p, #s = :s',
        ConditionExpression: `attribute_not_exists(#p) AND ${revision === undefined ? 'attribute_not_exists(#rev)' : '#rev = :rev'}`,
        ExpressionAttributeNames: { '#p': pkName, '#s': skName, '#rev': 'revision' },
        ExpressionAttributeValues: { ':p': pkValue, ':s': skValue, ...(revision === undefined ? {} : { ':rev': revision }) },
      }),
    );
    return true;
  } catch (e) {
    if (lostRace(e)) return false;
    throw e;
  }
}

/**
 * Keeps on an order (or an early report) written before the count was what every record naming it
 * reports, and how many they are (unless it changed meanwhile: current code keeps both itself).
 */
async function backfillRecordCount(item: Item): Promise<boolean> {
  const order = { agency: text(item, 'agency'), number: text(item, 'number') };
  const reports = await derivedFiguresStore.reportsOfOrder(text(item, 'facilityId'), order);
  try {
    await dynamoClient().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: { [TABLE.partitionKey]: item[TABLE.partitionKey], [TABLE.sortKey]: item[TABLE.sortKey] },
        UpdateExpression: 'SET #r = :r, #c = :c',
        ConditionExpression: 'attribute_not_exists(#c) AND #v = :v',
        ExpressionAttributeNames: { '#r': item.kind === 'order' ? 'recordReports' : 'records', '#c': 'recordCount', '#v': 'version' },
        ExpressionAttributeValues: { ':r': JSON.stringify(reports), ':c': Object.keys(reports).length, ':v': num(item, 'version') },
      }),
    );
    return true;
  } catch (e) {
    if (lostRace(e)) return false;
    throw e;
  }
}

/**
 * Keeps an early report for the orders these record heads name that the hub holds nothing for
 * (records that moved nothing kept none before): how many it kept. An order or report written
 * meanwhile is left alone (current code keeps the reports itself).
 */
async function backfillUnknownOrders(heads: readonly Item[]): Promise<number> {
  let kept = 0;
  const byFacility = new Map<string, Map<string, { agency: string; number: string }>>();
  for (const head of heads) {
    const facilityId = text(head, 'facilityId');
    const order = { agency: text(head, 'orderAgency'), number: text(head, 'orderNumber') };
    const orders = byFacility.get(facilityId) ?? new Map();
    orders.set(identityKey(order.agency, order.number), order);
    byFacility.set(facilityId, orders);
  }
  for (const [facilityId, orders] of byFacility) {
    const slots = await loadOrderSlots(facilityId, [...orders.values()]);
    for (const [id, order] of orders) {
      if (slots.orders.has(id) || slots.early.has(id)) continue;
      const reports = await derivedFiguresStore.reportsOfOrder(facilityId, order);
      try {
        // The engine's own early-report write, as for a report not kept before (version 0: only where nothing is).
        const { Put } = earlyReportPut(facilityId, { ...order, records: reports, expectedVersion: 0 });
        await dynamoClient().send(new PutCommand(Put!));
        kept++;
      } catch (e) {
        if (!lostRace(e)) throw e;
      }
    }
  }
  return kept;
}

/**
 * Derives records' figures (use-cases/derive-records.ts, passed in by the caller: a store never
 * imports a use case): how many records it moved.
 */
export type DeriveRecords = (facilityId: string, identities: readonly { agency: string; number: string }[]) => Promise<{ counted: number }>;

/**
 * Writes the lot index entries of records counted before the lot index existed
 * (use-cases/index-lots.ts, passed in by the caller): how many records it indexed.
 */
export type IndexLots = (facilityId: string, identities: readonly { agency: string; number: string }[]) => Promise<{ indexed: number }>;

/** What the backfill runs with: the use cases a store may not import itself. */
export interface BackfillSteps {
  derive: DeriveRecords;
  indexLots: IndexLots;
}

/** What a backfill changed: orders and records brought up to date, heads dated for reports, records' lots indexed, record counts kept. */
export interface BackfillDone {
  orders: number;
  records: number;
  recordTimes: number;
  lots: number;
  /** Year and edge roll-up items built from the hour, slot and day items. */
  rollups: number;
  /** Orders (and early reports) that gained their record count. */
  recordCounts: number;
}

/** Record heads grouped by facility, as the derive engine and the lot index take them. */
function byFacility(heads: readonly Item[]): Map<string, { agency: string; number: string }[]> {
  const records = new Map<string, { agency: string; number: string }[]>();
  for (const item of heads) {
    const facilityId = text(item, 'facilityId');
    records.set(facilityId, [...(records.get(facilityId) ?? []), { agency: text(item, 'agency'), number: text(item, 'number') }]);
  }
  return records;
}

/** Every record head (not its revisions or derived items), a page at a time; with `without`, only heads lacking that attribute. */
function recordHeadPages(without?: string) {
  return scanPages({
    FilterExpression: `#k = :record AND begins_with(#sk, :head)${without === undefined ? '' : ' AND attribute_not_exists(#p)'}`,
    ExpressionAttributeNames: { '#k': 'kind', '#sk': TABLE.sortKey, ...(without === undefined ? {} : { '#p': without }) },
    ExpressionAttributeValues: { ':record': 'record', ':head': 'RECORD#' },
  });
}

/** One part of the backfill: its completion marker, and one pass over the table. */
interface Part {
  name: string;
  run(done: BackfillDone, steps: BackfillSteps): Promise<void>;
}

const PARTS: readonly Part[] = [
  {
    // Its marker's name is the one earlier versions wrote: a table that ran it does not run it again.
    name: 'summaries-consumption',
    async run(done, { derive }) {
      const pages = scanPages({
        FilterExpression: '(#k = :order AND attribute_not_exists(#p)) OR (#k = :record AND attribute_not_exists(#a))',
        ExpressionAttributeNames: { '#k': 'kind', '#p': TABLE.ordersByStatusModifiedIndex.partitionKey, '#a': 'aggregated' },
        ExpressionAttributeValues: { ':order': 'order', ':record': 'record' },
      });
      for await (const { items } of pages) {
        // Records not marked as counted by their creating transaction: the derive engine counts what
        // is not counted yet (records older than the aggregates wholly, later ones not again).
        for (const item of items) if (item.kind === 'order' && (await backfillOrder(item))) done.orders++;
        const heads = items.filter((item) => item.kind === 'record' && String(item[TABLE.sortKey]).startsWith('RECORD#'));
        for (const [facilityId, identities] of byFacility(heads)) done.records += (await derive(facilityId, identities)).counted;
      }
    },
  },
  {
    name: 'record-time-index',
    async run(done) {
      const pages = recordHeadPages(TABLE.ordersByStatusModifiedIndex.partitionKey);
      for await (const { items } of pages) for (const item of items) if (await backfillRecordTime(item)) done.recordTimes++;
    },
  },
  {
    // Every record head, per facility and page: indexLots writes entries only for records counted before the lot index.
    name: 'lots',
    async run(done, { indexLots }) {
      for await (const { items } of recordHeadPages()) {
        for (const [facilityId, identities] of byFacility(items)) done.lots += (await indexLots(facilityId, identities)).indexed;
      }
    },
  },
  {
    // After the derive part: orders it moved carry their count already (the engine writes it).
    name: 'record-counts',
    async run(done) {
      const slots = scanPages({
        FilterExpression: '(#k = :order OR #k = :early) AND attribute_not_exists(#c)',
        ExpressionAttributeNames: { '#k': 'kind', '#c': 'recordCount' },
        ExpressionAttributeValues: { ':order': 'order', ':early': 'orderReport' },
      });
      for await (const { items } of slots) for (const item of items) if (await backfillRecordCount(item)) done.recordCounts++;
      for await (const { items } of recordHeadPages()) done.recordCounts += await backfillUnknownOrders(items);
    },
  },
  {
    // Every hour item of a product and day item of an order: the edge items, the products' and the orders' year items built from them.
    name: ROLLUPS_PART,
    async run(done) {
      const pages = scanPages(
        {
          FilterExpression: '(#k = :product AND #l = :hours) OR (#k = :order AND #l = :days)',
          ExpressionAttributeNames: { '#k': 'kind', '#l': 'level' },
          ExpressionAttributeValues: { ':product': 'consumption-product', ':hours': 'H', ':order': 'consumption-order', ':days': 'M' },
        },
        { client: dynamoExactClient() },
      );
      const productYears = new Set<string>();
      const orderYears = new Set<string>();
      for await (const { items } of pages) {
        for (const item of items) {
          if (item.level === 'H') {
            done.rollups += await rebuildEdges(item);
            productYears.add(yearKeyOf(item));
          } else orderYears.add(yearKeyOf(item));
        }
      }
      for (const year of productYears) if (await rebuildProductYear(year)) done.rollups++;
      for (const year of orderYears) if (await rebuildYear(year)) done.rollups++;
    },
  },
];

/** Written once a part has run through the whole table: later starts skip its scan. */
const doneKey = (part: string) => {
  const { pk, sk } = backfillDoneKey(part);
  return { [TABLE.partitionKey]: pk, [TABLE.sortKey]: sk };
};

/**
 * Brings every item written by an earlier version up to date, part by part; answers how many
 * orders and records it changed. `force` scans again even where a completed run is recorded.
 */
export async function backfill({ force = false, ...steps }: { force?: boolean } & BackfillSteps): Promise<BackfillDone> {
  const done: BackfillDone = { orders: 0, records: 0, recordTimes: 0, lots: 0, recordCounts: 0, rollups: 0 };
  const { tableName } = config();
  for (const part of PARTS) {
    const key = doneKey(part.name);
    if (!force && (await dynamoClient().send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item) continue;
    const before = { ...done };
    await part.run(done, steps);
    await dynamoClient().send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...key,
          completedAt: new Date().toISOString(),
          // What this part changed, counter by counter.
          ...Object.fromEntries(Object.entries(done).map(([name, n]) => [name, n - before[name as keyof BackfillDone]])),
        },
      }),
    );
  }
  return done;
}
