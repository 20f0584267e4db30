/**
 * Stock in the table: balance items (one per component identifier and location, partition
 * FAC#{f}#STOCK), ledger entries (one per balance and request, in the balance's own ledger
 * partition, sorted by their latest line) and the receipt and count documents (their identity
 * items, the idempotency store). Every write is an action of the movement's own transaction.
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Balance, Movement, StockKey } from '../domain/stock.ts';
import { stockKeyId } from '../domain/stock.ts';
import { isoMs } from '../domain/time.ts';
import { config } from '../shared/config.ts';
import { batchGetItems } from './batch-get.ts';
import { dynamoClient } from './clients.ts';
import { balancePrefix, balanceSk, countSk, facilityPk, ledgerAfter, ledgerPk, ledgerSk, receiptSk, stockPk } from './keys.ts';
import { listMasters, loadMasters } from './master-data-store.ts';
import { versionCondition } from './order-store.ts';
import { TABLE } from './table.ts';
import { type TransactItem, transactWrite } from './transact.ts';

type Item = Record<string, unknown>;

function balanceFromItem(item: Item): Balance {
  return {
    key: { agency: item.agency as string, number: item.number as string, location: (item.location as string | undefined) ?? null },
    count: typeof item.count === 'string' ? (JSON.parse(item.count) as Balance['count']) : null,
    sums: JSON.parse((item.sums as string | undefined) ?? '{}') as Record<string, string>,
    lastMovementAt: typeof item.lastMovementAt === 'string' ? Date.parse(item.lastMovementAt) : null,
    version: item.version as number,
  };
}

/** The stored balances among these keys (strongly consistent), by stockKeyId. */
export async function loadBalances(facilityId: string, keys: readonly StockKey[]): Promise<Map<string, Balance>> {
  const unique = new Map(keys.map((k) => [stockKeyId(k), k]));
  const items = await batchGetItems(
    [...unique.values()].map((k) => ({ [TABLE.partitionKey]: stockPk(facilityId), [TABLE.sortKey]: balanceSk(k) })),
  );
  return new Map(items.map((item) => [stockKeyId(balanceFromItem(item).key), balanceFromItem(item)]));
}

/** The action writing a balance's new state, conditioned on the version it was read at (racing movements read again). */
export function balancePut(facilityId: string, balance: Balance): TransactItem {
  const { key } = balance;
  return {
    Put: {
      TableName: config().tableName,
      Item: {
        [TABLE.partitionKey]: stockPk(facilityId),
        [TABLE.sortKey]: balanceSk(key),
        kind: 'stockBalance',
        agency: key.agency,
        number: key.number,
        ...(key.location === null ? {} : { location: key.location }),
        ...(balance.count ? { count: JSON.stringify(balance.count) } : {}),
        sums: JSON.stringify(balance.sums),
        ...(balance.lastMovementAt === null ? {} : { lastMovementAt: isoMs(balance.lastMovementAt) }),
        version: balance.version + 1,
      },
      ...versionCondition(balance.version),
    },
  };
}

/** The action writing one ledger entry: this request's lines of one balance (a new id, never overwriting). */
export function ledgerPut(facilityId: string, key: StockKey, lines: readonly Movement[]): TransactItem {
  const latest = Math.max(...lines.map((l) => l.at));
  return {
    Put: {
      TableName: config().tableName,
      Item: {
        [TABLE.partitionKey]: ledgerPk(facilityId, key),
        [TABLE.sortKey]: ledgerSk(isoMs(latest), randomUUID()),
        kind: 'stockLedger',
        lines: JSON.stringify(lines),
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    },
  };
}

/**
 * The ledger lines of one balance (strongly consistent): all of them, or those of the entries
 * whose latest line is dated after `afterMs` (the caller filters the lines themselves).
 */
export async function readLedger(facilityId: string, key: StockKey, afterMs?: number): Promise<Movement[]> {
  const out: Movement[] = [];
  const values: Record<string, unknown> = { ':pk': ledgerPk(facilityId, key) };
  let condition = '#pk = :pk';
  if (afterMs !== undefined) {
    condition += ' AND #sk > :after';
    values[':after'] = ledgerAfter(isoMs(afterMs));
  }
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: config().tableName,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, ...(afterMs === undefined ? {} : { '#sk': TABLE.sortKey }) },
        ExpressionAttributeValues: values,
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) out.push(...(JSON.parse(item.lines as string) as Movement[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

/** Every balance of the facility, or of the components with this number (strongly consistent). */
export async function listBalances(facilityId: string, number?: string): Promise<Balance[]> {
  const out: Balance[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: config().tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': stockPk(facilityId), ':prefix': balancePrefix(number) },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    out.push(...(page.Items ?? []).map(balanceFromItem));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

/** A receipt or count as stored: its id and the hash of its content (identity and retries). */
export interface StockDocument {
  id: string;
  contentHash: string;
}

export type StockDocumentKind = 'receipt' | 'count';
const docSk = (kind: StockDocumentKind, id: string) => (kind === 'receipt' ? receiptSk(id) : countSk(id));

/** The stored receipts (or counts) among these ids, by id. */
export async function loadStockDocuments(
  facilityId: string,
  kind: StockDocumentKind,
  ids: readonly string[],
): Promise<Map<string, StockDocument>> {
  const items = await batchGetItems(
    [...new Set(ids)].map((id) => ({ [TABLE.partitionKey]: facilityPk(facilityId), [TABLE.sortKey]: docSk(kind, id) })),
  );
  return new Map(items.map((item) => [item.id as string, { id: item.id as string, contentHash: item.contentHash as string }]));
}

/** The action creating a receipt's (count's) identity item with its document; a racing twin loses. */
export function stockDocumentPut(
  facilityId: string,
  kind: StockDocumentKind,
  id: string,
  contentHash: string,
  doc: unknown,
  now: number,
): TransactItem {
  return {
    Put: {
      TableName: config().tableName,
      Item: {
        [TABLE.partitionKey]: facilityPk(facilityId),
        [TABLE.sortKey]: docSk(kind, id),
        kind,
        id,
        contentHash,
        doc: JSON.stringify(doc),
        receivedAt: isoMs(now),
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    },
  };
}

/** Every read and write stock needs, as the use cases take them. */
export const stockStore = {
  loadBalances,
  readLedger,
  listBalances,
  loadStockDocuments,
  loadMasters,
  listMasters,
  transactWrite,
};
