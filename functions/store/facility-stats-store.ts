/**
 * The facilities overview's counters in THE table (written by the event function facilityStats
 * from the table's stream, never by a request): per facility a few counter shards (open orders)
 * and the times of the last order change and the last record, and the list of every facility a
 * document names. An order's open count moves exactly once per change: the transaction that
 * moves it also records the change's stream sequence on the order's marker, conditioned on it
 * being newer, so a retried batch counts nothing twice. Reading a facility's figures is one
 * Query of a handful of items, whatever its orders and records.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentChangeError } from '../domain/errors.ts';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { FACILITIES_PK, facilityStatsMarkPk, facilityStatsPk, STATS_LAST_SK, statsShardSk } from './keys.ts';
import { queryAll } from './paginate.ts';
import { TABLE } from './table.ts';
import { transactWrite } from './transact.ts';

const { partitionKey: PK, sortKey: SK } = TABLE;
/** Counter shards per facility. */
export const STATS_SHARDS = 4;

/** Moves the open-order count by `delta` for this change of the order, unless that change (or a later one) was counted. */
export async function countOpenOrder(facilityId: string, orderSk: string, shard: number, sequence: string, delta: number): Promise<void> {
  const table = config().tableName;
  try {
    await transactWrite([
      {
        Update: {
          TableName: table,
          Key: { [PK]: facilityStatsMarkPk(facilityId), [SK]: orderSk },
          UpdateExpression: 'SET seq = :seq',
          ConditionExpression: 'attribute_not_exists(seq) OR seq < :seq',
          ExpressionAttributeValues: { ':seq': sequence },
        },
      },
      {
        Update: {
          TableName: table,
          Key: { [PK]: facilityStatsPk(facilityId), [SK]: statsShardSk(shard) },
          UpdateExpression: 'ADD openOrders :d',
          ExpressionAttributeValues: { ':d': delta },
        },
      },
    ]);
  } catch (e) {
    // Counted before (a retried batch): the marker's condition failed, nothing was applied.
    if (e instanceof ConcurrentChangeError && (await markedAtLeast(facilityId, orderSk, sequence))) return;
    throw e;
  }
}

async function markedAtLeast(facilityId: string, orderSk: string, sequence: string): Promise<boolean> {
  const items = await queryAll({
    KeyConditionExpression: '#pk = :pk AND #sk = :sk',
    ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
    ExpressionAttributeValues: { ':pk': facilityStatsMarkPk(facilityId), ':sk': orderSk },
    ConsistentRead: true,
  });
  return typeof items[0]?.seq === 'string' && items[0].seq >= sequence;
}

/** Sets a "last ... at" time of the facility if it is later than the one stored (idempotent). */
export async function noteLatest(facilityId: string, field: 'lastOrderChangeAt' | 'lastRecordAt', at: string): Promise<void> {
  try {
    await dynamoClient().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: { [PK]: facilityStatsPk(facilityId), [SK]: STATS_LAST_SK },
        UpdateExpression: 'SET #f = :t',
        ConditionExpression: 'attribute_not_exists(#f) OR #f < :t',
        ExpressionAttributeNames: { '#f': field },
        ExpressionAttributeValues: { ':t': at },
      }),
    );
  } catch (e) {
    if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
  }
}

/** Lists a facility a document names (once; later calls change nothing). */
export async function noteFacility(facilityId: string, at: string): Promise<void> {
  await dynamoClient().send(
    new UpdateCommand({
      TableName: config().tableName,
      Key: { [PK]: FACILITIES_PK, [SK]: facilityId },
      UpdateExpression: 'SET facilityId = :f, firstSeenAt = if_not_exists(firstSeenAt, :t)',
      ExpressionAttributeValues: { ':f': facilityId, ':t': at },
    }),
  );
}

/** Every facility a document named (the list grows with facilities, never with documents). */
export async function listedFacilities(): Promise<string[]> {
  return queryAll(
    { KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': PK }, ExpressionAttributeValues: { ':pk': FACILITIES_PK } },
    (item) => String(item[SK]),
  );
}

/** A facility's figures: the counter shards summed, and the last times. */
export async function facilityFigures(
  facilityId: string,
): Promise<{ openOrders: number; lastOrderChangeAt: string | null; lastRecordAt: string | null }> {
  const items = await queryAll({
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': PK },
    ExpressionAttributeValues: { ':pk': facilityStatsPk(facilityId) },
  });
  let openOrders = 0;
  let lastOrderChangeAt: string | null = null;
  let lastRecordAt: string | null = null;
  for (const item of items) {
    if (typeof item.openOrders === 'number') openOrders += item.openOrders;
    if (typeof item.lastOrderChangeAt === 'string') lastOrderChangeAt = item.lastOrderChangeAt;
    if (typeof item.lastRecordAt === 'string') lastRecordAt = item.lastRecordAt;
  }
  return { openOrders: Math.max(0, openOrders), lastOrderChangeAt, lastRecordAt };
}
