/**
 * Consumption aggregates in the table (domain/consumption.ts): the Update actions a record's
 * own transaction carries, and the Query of a report's months. Sums are DynamoDB numbers
 * (exact decimals, 38 digits), written and read as decimal text, never as JS floats.
 */
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import type { AggregateDelta, AggregateItem, AggregateRead } from '../domain/consumption.ts';
import { formatDecimal } from '../domain/decimal.ts';
import { mapConcurrently } from '../shared/concurrency.ts';
import { config } from '../shared/config.ts';
import { dynamoExactClient } from './clients.ts';
import { text } from './item-fields.ts';
import { consumptionPk, consumptionRange, consumptionSk } from './keys.ts';
import { type Item, queryAll } from './paginate.ts';
import { TABLE } from './table.ts';
import type { TransactItem } from './transact.ts';

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

/** Queries of one report in flight at once. */
const READ_CONCURRENCY = 8;

/** The aggregate items of these ranges (up to READ_CONCURRENCY Queries at a time), numbers as exact text. */
export async function readAggregates(facilityId: string, reads: readonly AggregateRead[]): Promise<AggregateItem[]> {
  return (await mapConcurrently(reads, READ_CONCURRENCY, (read) => readRange(facilityId, read))).flat();
}

async function readRange(facilityId: string, { kind, level, first, last }: AggregateRead): Promise<AggregateItem[]> {
  const [lo, hi] = consumptionRange(kind, level, first, last);
  return queryAll(
    {
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': consumptionPk(facilityId), ':lo': lo, ':hi': hi },
    },
    // The range is of one kind and level (their sort-key prefix); numbers are read as exact text.
    (item) => ({ kind, level, period: text(item, 'period'), attributes: textAttributes(item) }),
    { client: dynamoExactClient() },
  );
}

/** Every attribute of an item read by the exact client as text (numbers arrive as their decimal text). */
function textAttributes(item: Item): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(item)) {
    if (typeof value !== 'string') throw new Error(`stored aggregate field "${name}" should be text, found ${typeof value}`);
    out[name] = value;
  }
  return out;
}
