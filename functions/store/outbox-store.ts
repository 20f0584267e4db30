/**
 * The outbox of due webhook work: one marker per subscription with something due, in one
 * partition the sender scans (small: a marker lives only while there is work). The dispatcher
 * sets a marker; a sender claims it with a conditional update (a lease) and releases it.
 */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DueMarker } from '../domain/webhooks.ts';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { num, optionalNum, text } from './item-fields.ts';
import { dueMarkerSk, WEBHOOKS_DUE_PK } from './keys.ts';
import { queryAll } from './paginate.ts';
import { TABLE } from './table.ts';

type Item = Record<string, unknown>;
const table = () => config().tableName;
const { partitionKey: PK, sortKey: SK } = TABLE;

const markerKey = (facilityId: string, subscriptionId: string) => ({
  [PK]: WEBHOOKS_DUE_PK,
  [SK]: dueMarkerSk(facilityId, subscriptionId),
});

const markerFromItem = (i: Item): DueMarker => ({
  facilityId: text(i, 'facilityId'),
  subscriptionId: text(i, 'subscriptionId'),
  dueAt: num(i, 'dueAt'),
  ver: num(i, 'ver'),
  lastChange: optionalNum(i, 'lastChange') ?? null,
});

/**
 * Marks a subscription due. Each mark bumps the marker's version, so a sender holding it keeps it.
 * A change (`changeAt` given) keeps a due time already set: a steady stream of changes must not
 * push it ever later; it records when it was seen, so that the sender waits for it to settle. A
 * replay or an enable (no `changeAt`) sets the time.
 */
async function markDue(facilityId: string, subscriptionId: string, dueAt: number, changeAt?: number): Promise<void> {
  const change = changeAt !== undefined;
  await dynamoClient().send(
    new UpdateCommand({
      TableName: table(),
      Key: markerKey(facilityId, subscriptionId),
      UpdateExpression: `SET dueAt = ${change ? 'if_not_exists(dueAt, :d)' : ':d'}, facilityId = :f, subscriptionId = :s${change ? ', lastChange = :c' : ''} ADD ver :one`,
      ExpressionAttributeValues: { ':d': dueAt, ':f': facilityId, ':s': subscriptionId, ':one': 1, ...(change ? { ':c': changeAt } : {}) },
    }),
  );
}

/** Every marker nobody holds a lease on at `now`, due or not. */
async function unclaimed(now: number): Promise<DueMarker[]> {
  const items = await queryAll({
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': PK },
    ExpressionAttributeValues: { ':pk': WEBHOOKS_DUE_PK },
    ConsistentRead: true,
  });
  return items.filter((i) => (optionalNum(i, 'leaseUntil') ?? 0) <= now).map(markerFromItem);
}

const conditionFailed = (e: unknown) => (e as Error).name === 'ConditionalCheckFailedException';

/** Claims a marker for `leaseMs` if nobody else holds it and nothing marked it since it was read. */
async function claim(m: DueMarker, now: number, leaseMs: number): Promise<boolean> {
  try {
    await dynamoClient().send(
      new UpdateCommand({
        TableName: table(),
        Key: markerKey(m.facilityId, m.subscriptionId),
        UpdateExpression: 'SET leaseUntil = :l',
        ConditionExpression: 'ver = :v AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeValues: { ':l': now + leaseMs, ':v': m.ver, ':now': now },
      }),
    );
    return true;
  } catch (e) {
    if (conditionFailed(e)) return false;
    throw e;
  }
}

/**
 * Ends a claim: the marker goes (nothing left to do) or waits until `dueAt`, unless it was
 * marked again meanwhile; then it only loses the lease and stays due as marked.
 */
async function release(m: DueMarker, next: { dueAt: number } | 'done'): Promise<void> {
  const key = markerKey(m.facilityId, m.subscriptionId);
  try {
    if (next === 'done') {
      await dynamoClient().send(
        new DeleteCommand({ TableName: table(), Key: key, ConditionExpression: 'ver = :v', ExpressionAttributeValues: { ':v': m.ver } }),
      );
    } else {
      await dynamoClient().send(
        new UpdateCommand({
          TableName: table(),
          Key: key,
          UpdateExpression: 'SET dueAt = :d REMOVE leaseUntil',
          ConditionExpression: 'ver = :v',
          ExpressionAttributeValues: { ':d': next.dueAt, ':v': m.ver },
        }),
      );
    }
  } catch (e) {
    if (!conditionFailed(e)) throw e;
    await dynamoClient()
      .send(
        new UpdateCommand({
          TableName: table(),
          Key: key,
          UpdateExpression: 'REMOVE leaseUntil',
          ConditionExpression: 'attribute_exists(pk)',
        }),
      )
      .catch((e2: unknown) => {
        if (!conditionFailed(e2)) throw e2;
      });
  }
}

/** Removes a subscription's marker (the subscription is gone). */
async function drop(facilityId: string, subscriptionId: string): Promise<void> {
  await dynamoClient().send(new DeleteCommand({ TableName: table(), Key: markerKey(facilityId, subscriptionId) }));
}

/** The outbox port (use-cases/webhook-ports.ts). */
export const outboxStore = { markDue, unclaimed, claim, release, drop };
