/** All-or-nothing writes: one DynamoDB transaction, with lost races reported as ConcurrentChangeError. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConcurrentChangeError, StorageError } from '../domain/errors.ts';
import { dynamoClient } from './clients.ts';

type CancellationReason = { Code?: string; Item?: Record<string, AttributeValue> };

/** What the failed conditions met, when every action asked for it and nothing but conditions failed. */
function foundItems(items: TransactItem[], reasons: readonly CancellationReason[]) {
  const asked = items.every((i) => Object.values(i).some((action) => action?.ReturnValuesOnConditionCheckFailure === 'ALL_OLD'));
  const onlyConditions = reasons.every((r) => r.Code === 'None' || (r.Code === 'ConditionalCheckFailed' && r.Item !== undefined));
  if (!asked || !onlyConditions || reasons.length !== items.length) return undefined;
  return reasons.map((r) => (r.Item ? unmarshall(r.Item) : undefined));
}

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Actions one DynamoDB transaction may carry. */
export const MAX_TRANSACTION_ITEMS = 100;

/** Throws before a request that would need more actions than one transaction carries. */
export function assertTransactionSize(count: number): void {
  if (count > MAX_TRANSACTION_ITEMS) {
    throw new StorageError(
      'too-many-writes',
      `This request would write ${count} items at once; one atomic request can write at most ${MAX_TRANSACTION_ITEMS}.`,
    );
  }
}

/** Writes every item or none. */
export async function transactWrite(items: TransactItem[]): Promise<void> {
  if (items.length === 0) return;
  assertTransactionSize(items.length);
  try {
    await dynamoClient().send(new TransactWriteCommand({ TransactItems: items }));
  } catch (e) {
    const reasons = (e as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
    if (
      (e as Error).name === 'TransactionCanceledException' &&
      reasons?.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')
    ) {
      throw new ConcurrentChangeError(foundItems(items, reasons));
    }
    throw e;
  }
}
