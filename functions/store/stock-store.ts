/**
 * Stock in the table: balance items (one per component identifier and location, partition
 * FAC#{f}#STOCK), ledger entries (one per balance and request, in the balance's own ledger
 * partition, sorted by their latest line) and the receipt and count documents (their identity
 * items, the idempotency store). Every write is an action of the movement's own transaction
 * (store/stock-movements-store.ts, store/record-submission-store.ts compose them).
 */
import { randomUUID } from 'node:crypto';
import type { Balance, BalanceChange, Movement, NewStockDocument, StockDocument, StockDocumentKind, StockKey } from '../domain/stock.ts';
import { stockKeyId } from '../domain/stock.ts';
import { isoMs } from '../domain/time.ts';
import { config } from '../shared/config.ts';
import { batchGetItems } from './batch-get.ts';
import { num, optionalText, text } from './item-fields.ts';
import { balancePrefix, balanceSk, countSk, facilityPk, ledgerAfter, ledgerPk, ledgerSk, receiptSk, stockPk } from './keys.ts';
import { type Item, queryAll } from './paginate.ts';
import { TABLE } from './table.ts';
import type { TransactItem } from './transact.ts';
import { versionCondition } from './versioned-item.ts';

function balanceFromItem(item: Item): Balance {
  const location = optionalText(item, 'location');
  const count = optionalText(item, 'count');
  const sums = optionalText(item, 'sums');
  const lastMovementAt = optionalText(item, 'lastMovementAt');
  return {
    key: { agency: text(item, 'agency'), number: text(item, 'number'), location: location ?? null },
    count: count === undefined ? null : (JSON.parse(count) as Balance['count']),
    sums: JSON.parse(sums ?? '{}') as Record<string, string>,
    lastMovementAt: lastMovementAt === undefined ? null : Date.parse(lastMovementAt),
    version: num(item, 'version'),
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
function balancePut(facilityId: string, balance: Balance): TransactItem {
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
function ledgerPut(facilityId: string, key: StockKey, lines: readonly Movement[]): TransactItem {
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

/** Actions one balance change costs in a transaction: the balance and its ledger entry. */
export const ITEMS_PER_BALANCE_CHANGE = 2;

/** The actions of balance changes: per balance, its new state and its ledger entry. */
export function balanceChangeItems(facilityId: string, changes: readonly BalanceChange[]): TransactItem[] {
  return changes.flatMap(({ next, lines }) => [balancePut(facilityId, next), ledgerPut(facilityId, next.key, lines)]);
}

/**
 * The ledger lines of one balance (strongly consistent): all of them, or those of the entries
 * whose latest line is dated after `afterMs` (the caller filters the lines themselves).
 */
export async function readLedger(facilityId: string, key: StockKey, afterMs?: number): Promise<Movement[]> {
  const entries = await queryAll(
    {
      KeyConditionExpression: afterMs === undefined ? '#pk = :pk' : '#pk = :pk AND #sk > :after',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, ...(afterMs === undefined ? {} : { '#sk': TABLE.sortKey }) },
      ExpressionAttributeValues: {
        ':pk': ledgerPk(facilityId, key),
        ...(afterMs === undefined ? {} : { ':after': ledgerAfter(isoMs(afterMs)) }),
      },
      ConsistentRead: true,
    },
    (item) => JSON.parse(text(item, 'lines')) as Movement[],
  );
  return entries.flat();
}

/** Every balance of the facility, or of the components with this number (strongly consistent). */
export function listBalances(facilityId: string, number?: string): Promise<Balance[]> {
  return queryAll(
    {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': stockPk(facilityId), ':prefix': balancePrefix(number) },
      ConsistentRead: true,
    },
    balanceFromItem,
  );
}

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
  return new Map(
    items.map((item) => {
      const id = text(item, 'id');
      return [id, { id, contentHash: text(item, 'contentHash') }];
    }),
  );
}

/** The action creating a receipt's (count's) identity item with its document; a racing twin loses. */
export function stockDocumentPut(facilityId: string, { kind, id, contentHash, doc, receivedAt }: NewStockDocument): TransactItem {
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
        receivedAt: isoMs(receivedAt),
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    },
  };
}
