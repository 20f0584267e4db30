/** All-or-nothing writes: one DynamoDB transaction, with lost races reported as ConcurrentChangeError. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { logger } from '../shared/logger.ts';
import { dynamoClient } from './clients.ts';
import { StorageError } from './errors.ts';
import { TABLE } from './table.ts';

/**
 * Another writer changed an item between our read and our write: read again and retry.
 * `found` is set when the transaction was cancelled by its conditions alone and every action
 * asked for what it met (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`): per action, the
 * item whose condition failed, or undefined where the condition held.
 */
export class ConcurrentChangeError extends StorageError {
  readonly found: readonly (Record<string, unknown> | undefined)[] | undefined;
  constructor(found?: readonly (Record<string, unknown> | undefined)[]) {
    super('concurrent-change', 'an item changed while the request was applied');
    this.found = found;
  }
}

type CancellationReason = { Code?: string; Item?: Record<string, AttributeValue> };

/** What the failed conditions met, when every action asked for it and nothing but conditions failed. */
function foundItems(items: TransactItem[], reasons: readonly CancellationReason[]) {
  const asked = items.every((i) => Object.values(i).some((action) => action?.ReturnValuesOnConditionCheckFailure === 'ALL_OLD'));
  const onlyConditions = reasons.every((r) => r.Code === 'None' || (r.Code === 'ConditionalCheckFailed' && r.Item !== undefined));
  if (!asked || !onlyConditions || reasons.length !== items.length) return undefined;
  return reasons.map((r) => (r.Item ? unmarshall(r.Item) : undefined));
}

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The optimistic lock: a new item must not exist yet; an existing one must still have the version read. */
export function versionCondition(expectedVersion: number): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  if (expectedVersion === 0) {
    return { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE.partitionKey } };
  }
  return {
    ConditionExpression: '#v = :v',
    ExpressionAttributeNames: { '#v': 'version' },
    ExpressionAttributeValues: { ':v': expectedVersion },
  };
}

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

/** Read-decide-write rounds before a request that keeps meeting concurrent writers gives up. */
const ATTEMPTS = 5;

/**
 * Runs one read-decide-write round, again while it loses a race to another writer (each
 * round reads afresh), and gives up after five lost rounds: nothing was applied.
 */
export async function retryOnConcurrentChange<T>(round: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      return await round(attempt);
    } catch (e) {
      if (!(e instanceof ConcurrentChangeError)) throw e;
      logger.warn('concurrent change, retrying', { attempt });
    }
  }
  throw new StorageError('kept-changing', `the documents kept changing over ${ATTEMPTS} rounds`);
}
