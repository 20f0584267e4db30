/**
 * Upgrade in place: items written before the summaries indexes and the consumption aggregates
 * existed get what the current code writes with every item. Orders gain the summaries' index
 * attributes; records not counted by the transaction that created them (no `aggregated` mark)
 * are derived by the derive engine, idempotent per record revision, so a record counts exactly
 * once however often (or concurrently) this runs. Records counted before the lot index existed
 * get their lot entries (part `lots`, its own completion mark).
 * Idempotent: a second run finds nothing to do. Run at `npm start` (infra/local/start.ts).
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isoMs } from '../domain/time.ts';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { num, text } from './item-fields.ts';
import { changePosition, ordersByStatusPk } from './keys.ts';
import { scanPages } from './paginate.ts';
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
 * Derives records' figures (use-cases/derive-records.ts, passed in by the caller: a store never
 * imports a use case): how many records it moved.
 */
export type DeriveRecords = (facilityId: string, identities: readonly { agency: string; number: string }[]) => Promise<{ counted: number }>;

/**
 * Writes the lot index entries of records counted before the lot index existed
 * (use-cases/index-lots.ts, passed in by the caller): how many records it indexed.
 */
export type IndexLots = (facilityId: string, identities: readonly { agency: string; number: string }[]) => Promise<{ indexed: number }>;

/** Written once a backfill has run through the whole table: later starts skip the scan. */
const DONE_KEY = { [TABLE.partitionKey]: 'HUB', [TABLE.sortKey]: 'BACKFILL#summaries-consumption' };
/** Written once the lot index part has run through every record head. */
const LOTS_DONE_KEY = { [TABLE.partitionKey]: 'HUB', [TABLE.sortKey]: 'BACKFILL#lots' };

/**
 * The lot index part: every record head, per facility and page, handed to `indexLots`, which
 * writes entries only for records counted before the lot index (idempotent). Runs after the
 * derive part, so records that part counted have their entries from the engine already.
 */
async function backfillLots(indexLots: IndexLots, force: boolean): Promise<number> {
  const { tableName } = config();
  if (!force && (await dynamoClient().send(new GetCommand({ TableName: tableName, Key: LOTS_DONE_KEY, ConsistentRead: true }))).Item) {
    return 0;
  }
  let indexed = 0;
  const pages = scanPages({
    FilterExpression: '#k = :record AND begins_with(#sk, :head)',
    ExpressionAttributeNames: { '#k': 'kind', '#sk': TABLE.sortKey },
    ExpressionAttributeValues: { ':record': 'record', ':head': 'RECORD#' },
  });
  for await (const { items } of pages) {
    const records = new Map<string, { agency: string; number: string }[]>();
    for (const item of items) {
      const facilityId = text(item, 'facilityId');
      records.set(facilityId, [...(records.get(facilityId) ?? []), { agency: text(item, 'agency'), number: text(item, 'number') }]);
    }
    for (const [facilityId, identities] of records) indexed += (await indexLots(facilityId, identities)).indexed;
  }
  await dynamoClient().send(
    new PutCommand({ TableName: tableName, Item: { ...LOTS_DONE_KEY, completedAt: new Date().toISOString(), indexed } }),
  );
  return indexed;
}

/**
 * Brings every item written by an earlier version up to date; answers how many orders and
 * records it changed. `force` scans again even where a completed run is recorded.
 */
export async function backfill({
  force = false,
  derive,
  indexLots,
}: {
  force?: boolean;
  derive: DeriveRecords;
  indexLots: IndexLots;
}): Promise<{ orders: number; records: number; lots: number }> {
  const done = { orders: 0, records: 0, lots: 0 };
  const { tableName } = config();
  if (!force && (await dynamoClient().send(new GetCommand({ TableName: tableName, Key: DONE_KEY, ConsistentRead: true }))).Item) {
    done.lots = await backfillLots(indexLots, force);
    return done;
  }
  const pages = scanPages({
    FilterExpression: '(#k = :order AND attribute_not_exists(#p)) OR (#k = :record AND attribute_not_exists(#a))',
    ExpressionAttributeNames: { '#k': 'kind', '#p': TABLE.ordersByStatusModifiedIndex.partitionKey, '#a': 'aggregated' },
    ExpressionAttributeValues: { ':order': 'order', ':record': 'record' },
  });
  for await (const { items } of pages) {
    // Records not marked as counted by their creating transaction: the derive engine counts what
    // is not counted yet (records older than the aggregates wholly, later ones not again).
    const records = new Map<string, { agency: string; number: string }[]>();
    for (const item of items) {
      if (item.kind === 'order' && (await backfillOrder(item))) done.orders++;
      if (item.kind === 'record' && String(item[TABLE.sortKey]).startsWith('RECORD#')) {
        const facilityId = text(item, 'facilityId');
        records.set(facilityId, [...(records.get(facilityId) ?? []), { agency: text(item, 'agency'), number: text(item, 'number') }]);
      }
    }
    for (const [facilityId, identities] of records) done.records += (await derive(facilityId, identities)).counted;
  }
  await dynamoClient().send(
    new PutCommand({
      TableName: tableName,
      Item: { ...DONE_KEY, completedAt: new Date().toISOString(), orders: done.orders, records: done.records },
    }),
  );
  done.lots = await backfillLots(indexLots, force);
  return done;
}
