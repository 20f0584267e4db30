/**
 * Idempotency-Keys in THE table (keys.ts: one partition per API key and route), each item
 * expiring by the table's TTL attribute 24 hours after its first request. A claim is one
 * conditional put: the first request with a key takes it; a later one reads what is there.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord } from '../domain/idempotency.ts';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { idempotencyPk, idempotencySk } from './keys.ts';
import { TABLE } from './table.ts';

/** Where one key is kept: the API key and route it was sent to, and the hash of the Idempotency-Key. */
export interface IdempotencySlot {
  keyId: string;
  routeId: string;
  keyHash: string;
}

export interface Claim {
  fingerprint: string;
  /** Identifies this request's claim: only it completes or releases the record. */
  owner: string;
  /** Epoch ms until which the claim holds while the request runs. */
  lockedUntil: number;
  /** Epoch seconds: when the table's TTL removes the record. */
  expiresAt: number;
  now: number;
}

const keyOf = (s: IdempotencySlot) => ({
  [TABLE.partitionKey]: idempotencyPk(s.keyId, s.routeId),
  [TABLE.sortKey]: idempotencySk(s.keyHash),
});

const conditionFailed = (e: unknown) => (e as Error).name === 'ConditionalCheckFailedException';

/** A write to the slot's record on condition that `owner` still holds the claim (further names and values merged in). */
const owned = (slot: IdempotencySlot, owner: string, names: Record<string, string> = {}, values: Record<string, unknown> = {}) => ({
  TableName: config().tableName,
  Key: keyOf(slot),
  ConditionExpression: '#owner = :owner',
  ExpressionAttributeNames: { ...names, '#owner': 'owner' },
  ExpressionAttributeValues: { ...values, ':owner': owner },
});

/**
 * Runs a write made with owned(); when its condition fails, another request took the key over
 * (this one outran its lock): its record stands and this write is dropped.
 */
async function whileOwner(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (e) {
    if (!conditionFailed(e)) throw e;
  }
}

/**
 * Takes the key for this request: true when it is this request's to run; otherwise the record
 * already there (null when it vanished in between: its first request failed and released it).
 * A record past its expiry (TTL removes items late) or abandoned while running is taken over.
 */
export async function claimIdempotencyKey(slot: IdempotencySlot, claim: Claim): Promise<true | IdempotencyRecord | null> {
  try {
    await dynamoClient().send(
      new PutCommand({
        TableName: config().tableName,
        Item: {
          ...keyOf(slot),
          fingerprint: claim.fingerprint,
          state: 'running',
          owner: claim.owner,
          lockedUntil: claim.lockedUntil,
          [TABLE.timeToLiveAttribute]: claim.expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :nowS OR (#state = :running AND lockedUntil < :nowMs)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#ttl': TABLE.timeToLiveAttribute, '#state': 'state' },
        ExpressionAttributeValues: { ':nowS': Math.floor(claim.now / 1000), ':nowMs': claim.now, ':running': 'running' },
      }),
    );
    return true;
  } catch (e) {
    if (!conditionFailed(e)) throw e;
  }
  const { Item } = await dynamoClient().send(new GetCommand({ TableName: config().tableName, Key: keyOf(slot), ConsistentRead: true }));
  if (!Item) return null;
  return {
    fingerprint: String(Item.fingerprint),
    state: Item.state === 'done' ? 'done' : 'running',
    lockedUntil: Number(Item.lockedUntil),
    ...(typeof Item.answer === 'string' ? { answer: Item.answer } : {}),
  };
}

/** Keeps the sealed answer of the request that holds the claim. */
export async function completeIdempotencyKey(slot: IdempotencySlot, owner: string, answer: string): Promise<void> {
  await whileOwner(() =>
    dynamoClient().send(
      new UpdateCommand({
        ...owned(slot, owner, { '#state': 'state' }, { ':done': 'done', ':answer': answer }),
        UpdateExpression: 'SET #state = :done, answer = :answer REMOVE #owner',
      }),
    ),
  );
}

/** The store as the idempotency middleware takes it (shared/idempotency.ts; handed in by the handlers of the routes that take the header). */
export interface IdempotencyStore {
  claim: typeof claimIdempotencyKey;
  complete: typeof completeIdempotencyKey;
  release: typeof releaseIdempotencyKey;
}

/** Gives the key back (the request was refused or failed: nothing was done, the key may be used again). */
export async function releaseIdempotencyKey(slot: IdempotencySlot, owner: string): Promise<void> {
  await whileOwner(() => dynamoClient().send(new DeleteCommand(owned(slot, owner))));
}

export const idempotencyStore: IdempotencyStore = {
  claim: claimIdempotencyKey,
  complete: completeIdempotencyKey,
  release: releaseIdempotencyKey,
};
