/**
 * Consumption aggregates in the table (domain/consumption.ts): the Update actions a record's
 * own transaction carries, and the Query of a report's months. Sums are DynamoDB numbers
 * (exact decimals, 38 digits), written and read as decimal text, never as JS floats. The
 * records of a report's partial edge slots are read from the record-time index entries of their
 * heads (record-time-index.ts).
 */
import { GetCommand, NumberValue } from '@aws-sdk/lib-dynamodb';
import type { AggregateDelta, AggregateItem, AggregateRead, EdgeRecord, Level, RollupSet } from '../domain/consumption.ts';
import { formatDecimal } from '../domain/decimal.ts';
import { mapConcurrently } from '../shared/concurrency.ts';
import { config } from '../shared/config.ts';
import { dynamoClient, dynamoExactClient } from './clients.ts';
import { optionalText, text } from './item-fields.ts';
import { backfillDoneKey, consumptionPk, consumptionRange, consumptionSk, recordTimePk } from './keys.ts';
import { type Item, queryAll } from './paginate.ts';
import { RECORD_TIME_INDEX, recordTimeBounds } from './record-time-index.ts';
import { TABLE } from './table.ts';
import type { TransactItem } from './transact.ts';

/** The levels whose items store/backfill.ts builds in a table written before them (part `consumption-edges`). */
export const REBUILT_LEVELS: ReadonlySet<Level> = new Set(['T', 'E', 'Y']);
/** The write counter of a rebuilt level's item. */
export const WRITES = 'w';
/** The backfill part after which reports read the year and edge levels. */
export const ROLLUPS_PART = 'consumption-edges';

/** One Update per aggregate item: descriptions set once, sums and counts added (creating the item on first use). */
export function aggregateUpdates(facilityId: string, deltas: readonly AggregateDelta[]): TransactItem[] {
  return deltas.map((delta) => {
    const names: Record<string, string> = { '#kind': 'kind', '#level': 'level', '#period': 'period' };
    const values: Record<string, unknown> = { ':kind': `consumption-${delta.kind}`, ':level': delta.level, ':period': delta.period };
    const sets = ['#kind = :kind', '#level = :level', '#period = :period'];
    Object.entries(delta.refs).forEach(([name, text], i) => {
      names[`#r${i}`] = name;
      values[`:r${i}`] = text;
      sets.push(`#r${i} = if_not_exists(#r${i}, :r${i})`);
    });
    const adds = [...delta.adds.entries()].map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:a${i}`] = NumberValue.from(formatDecimal(value));
      return `#a${i} :a${i}`;
    });
    // The items the backfill builds from older levels count their writes: it replaces one only if none came between.
    if (REBUILT_LEVELS.has(delta.level)) {
      names['#w'] = WRITES;
      values[':w'] = 1;
      adds.push('#w :w');
    }
    return {
      Update: {
        TableName: config().tableName,
        Key: {
          [TABLE.partitionKey]: consumptionPk(facilityId),
          [TABLE.sortKey]: consumptionSk(delta.kind, delta.level, delta.period, delta.hash),
        },
        UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  });
}

/** DynamoDB's limit on one expression's length (bytes; the names and values are apart). */
const MAX_EXPRESSION_BYTES = 4096;

/** Whether every Update of these deltas fits DynamoDB's expression limit (a group of many records merged into one item may not). */
export function aggregateUpdatesFit(facilityId: string, deltas: readonly AggregateDelta[]): boolean {
  return aggregateUpdates(facilityId, deltas).every((u) => Buffer.byteLength(u.Update?.UpdateExpression ?? '') <= MAX_EXPRESSION_BYTES);
}

/** Queries of one report in flight at once. */
const READ_CONCURRENCY = 8;

/** The aggregate items of these ranges (up to READ_CONCURRENCY Queries at a time), numbers as exact text. */
export async function readAggregates(facilityId: string, reads: readonly AggregateRead[]): Promise<AggregateItem[]> {
  return (await mapConcurrently(reads, READ_CONCURRENCY, (read) => readRange(facilityId, read))).flat();
}

async function readRange(facilityId: string, { kind, level, first, last, attributes }: AggregateRead): Promise<AggregateItem[]> {
  const [lo, hi] = consumptionRange(kind, level, first, last);
  // Only the attributes the report uses, when the plan names them: an item's other positions
  // (most of a month of hours, say) are not sent, nor parsed.
  const projected = attributes === undefined ? undefined : ['period', ...attributes];
  return queryAll(
    {
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
      ExpressionAttributeNames: {
        '#pk': TABLE.partitionKey,
        '#sk': TABLE.sortKey,
        ...Object.fromEntries((projected ?? []).map((name, i) => [`#a${i}`, name])),
      },
      ExpressionAttributeValues: { ':pk': consumptionPk(facilityId), ':lo': lo, ':hi': hi },
      ...(projected ? { ProjectionExpression: projected.map((_, i) => `#a${i}`).join(', ') } : {}),
    },
    // The range is of one kind and level (their sort-key prefix); numbers are read as exact text.
    (item) => ({ kind, level, period: text(item, 'period'), attributes: textAttributes(item) }),
    { client: dynamoExactClient() },
  );
}

/**
 * The record heads whose latest revision is dated in [fromMs, toMs): one Query of the record-time
 * index (its projection holds the whole head, so no second read), only the attributes a report
 * counts. Eventually consistent, as every index read: a record written a moment ago may be missing.
 */
export function readRecordsDated(facilityId: string, fromMs: number, toMs: number): Promise<EdgeRecord[]> {
  const [lo, hi] = recordTimeBounds(fromMs, toMs);
  return queryAll(
    {
      IndexName: RECORD_TIME_INDEX.name,
      KeyConditionExpression: '#p = :p AND #s BETWEEN :lo AND :hi',
      ProjectionExpression: '#agency, #number, #doc, #status',
      ExpressionAttributeNames: {
        '#p': RECORD_TIME_INDEX.partitionKey,
        '#s': RECORD_TIME_INDEX.sortKey,
        '#agency': 'agency',
        '#number': 'number',
        '#doc': 'doc',
        '#status': 'recordStatus',
      },
      ExpressionAttributeValues: { ':p': recordTimePk(facilityId), ':lo': lo, ':hi': hi },
    },
    (item) => ({
      agency: text(item, 'agency'),
      number: text(item, 'number'),
      doc: JSON.parse(text(item, 'doc')),
      // As the derive engine reads a head (derive-store.ts): heads written before revisions are active.
      voided: optionalText(item, 'recordStatus') === 'voided',
    }),
  );
}

let rollupsBuilt = false;

/**
 * `current` once the backfill has built the year and edge items of the whole table (its
 * completion mark), remembered by the instance from then on; `legacy` before.
 */
export async function readRollups(): Promise<RollupSet> {
  if (rollupsBuilt) return 'current';
  const { pk, sk } = backfillDoneKey(ROLLUPS_PART);
  const out = await dynamoClient().send(
    new GetCommand({ TableName: config().tableName, Key: { [TABLE.partitionKey]: pk, [TABLE.sortKey]: sk }, ConsistentRead: true }),
  );
  rollupsBuilt = out.Item !== undefined;
  return rollupsBuilt ? 'current' : 'legacy';
}

/** Every attribute of an item read by the exact client as text (numbers arrive as their decimal text). */
function textAttributes(item: Item): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name === WRITES) continue;
    if (typeof value !== 'string') throw new Error(`stored aggregate field "${name}" should be text, found ${typeof value}`);
    out[name] = value;
  }
  return out;
}
