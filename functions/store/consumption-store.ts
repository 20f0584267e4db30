/**
 * Consumption aggregates in the table (domain/consumption.ts): the Update actions a record's
 * own transaction carries, and the Query of a report's months. Sums are DynamoDB numbers
 * (exact decimals, 38 digits), written and read as decimal text, never as JS floats.
 */
import { NumberValue, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AggregateDelta, AggregateItem, AggregateRead, Level } from '../domain/consumption.ts';
import { formatDecimal } from '../domain/decimal.ts';
import { mapConcurrently } from '../shared/concurrency.ts';
import { config } from '../shared/config.ts';
import { dynamoExactClient } from './clients.ts';
import { consumptionPk, consumptionRange, consumptionSk } from './keys.ts';
import { TABLE } from './table.ts';
import type { TransactItem } from './transact.ts';

type Item = Record<string, unknown>;

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
  const out: AggregateItem[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamoExactClient().send(
      new QueryCommand({
        TableName: config().tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': consumptionPk(facilityId), ':lo': lo, ':hi': hi },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      out.push({ kind, level: item.level as Level, period: item.period as string, attributes: item as Record<string, string> });
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}
