/**
 * The outbox of due webhook work: one marker per subscription with something due, in one of
 * `OUTBOX_SHARDS` partitions chosen by a hash of the subscription id (keys.ts), which the sender
 * scans every one of (small: a marker lives only while there is work). The dispatcher sets a
 * marker; a sender claims it with a conditional update (a lease) and releases it.
 *
 * Before issue 30 the outbox was one partition (`LEGACY_OUTBOX_PK`). The sender still reads it:
 * a marker found there, unleased, is moved into its shard (merged with a marker there: the
 * earlier due time, the later change), so a stack upgraded with work queued still delivers it;
 * one leased by a sender of the earlier code is moved once that sender lets it go.
 */
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentChangeError } from '../domain/errors.ts';
import type { DueMarker } from '../domain/webhooks.ts';
import { mapConcurrently } from '../shared/concurrency.ts';
import { config, WEBHOOK_SETTINGS } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { num, optionalNum, text } from './item-fields.ts';
import { dueMarkerSk, LEGACY_OUTBOX_PK, OUTBOX_PKS, outboxPk, outboxShard } from './keys.ts';
import { queryAll } from './paginate.ts';
import { TABLE } from './table.ts';
import { transactWrite } from './transact.ts';

type Item = Record<string, unknown>;
const table = () => config().tableName;
const { partitionKey: PK, sortKey: SK } = TABLE;

const markerKey = (facilityId: string, subscriptionId: string) => ({
  [PK]: outboxPk(outboxShard(subscriptionId)),
  [SK]: dueMarkerSk(facilityId, subscriptionId),
});
const legacyKey = (facilityId: string, subscriptionId: string) => ({
  [PK]: LEGACY_OUTBOX_PK,
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

const unleased = (i: Item, now: number) => (optionalNum(i, 'leaseUntil') ?? 0) <= now;

/** Every item of one partition of the outbox. */
const partition = (pk: string) =>
  queryAll({
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': PK },
    ExpressionAttributeValues: { ':pk': pk },
    ConsistentRead: true,
  });

/**
 * Every marker nobody holds a lease on at `now`, due or not: every shard read side by side with
 * the legacy partition; when that holds markers nobody leases, they are moved into their shards
 * (as many at once as the sender serves) and the shards read again.
 */
async function unclaimed(now: number): Promise<DueMarker[]> {
  const [legacy, ...shards] = await Promise.all([partition(LEGACY_OUTBOX_PK), ...OUTBOX_PKS.map(partition)]);
  const stranded = legacy!.filter((i) => unleased(i, now)).map(markerFromItem);
  let items = shards.flat();
  if (stranded.length > 0) {
    await mapConcurrently(stranded, WEBHOOK_SETTINGS.concurrency, (m) => moveLegacy(m, now));
    items = (await Promise.all(OUTBOX_PKS.map(partition))).flat();
  }
  return items.filter((i) => unleased(i, now)).map(markerFromItem);
}

/**
 * Moves a marker of the legacy partition into its shard, in one transaction: the shard's marker
 * (made if none) takes the earlier due time and the later change, and its version goes up (a
 * sender holding it keeps it due, as after any mark); the legacy marker goes only as it was read,
 * unleased. A lost race leaves both as they are, for the next pass.
 */
async function moveLegacy(m: DueMarker, now: number): Promise<void> {
  const key = markerKey(m.facilityId, m.subscriptionId);
  const got = await dynamoClient().send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }));
  const home = got.Item ? markerFromItem(got.Item) : null;
  const dueAt = Math.min(home?.dueAt ?? m.dueAt, m.dueAt);
  const changes = [home?.lastChange ?? null, m.lastChange].filter((c): c is number => c !== null);
  const lastChange = changes.length > 0 ? Math.max(...changes) : null;
  try {
    await transactWrite([
      {
        Update: {
          TableName: table(),
          Key: key,
          UpdateExpression: `SET dueAt = :d, facilityId = :f, subscriptionId = :s${lastChange === null ? '' : ', lastChange = :c'} ADD ver :one`,
          ConditionExpression: home ? 'ver = :v' : 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: home ? undefined : { '#pk': PK },
          ExpressionAttributeValues: {
            ':d': dueAt,
            ':f': m.facilityId,
            ':s': m.subscriptionId,
            ':one': 1,
            ...(lastChange === null ? {} : { ':c': lastChange }),
            ...(home ? { ':v': home.ver } : {}),
          },
        },
      },
      {
        Delete: {
          TableName: table(),
          Key: legacyKey(m.facilityId, m.subscriptionId),
          ConditionExpression: 'ver = :v AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now)',
          ExpressionAttributeValues: { ':v': m.ver, ':now': now },
        },
      },
    ]);
  } catch (e) {
    if (!(e instanceof ConcurrentChangeError)) throw e;
  }
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

/** Removes a subscription's marker, in its shard and in the legacy partition (the subscription is gone). */
async function drop(facilityId: string, subscriptionId: string): Promise<void> {
  await Promise.all(
    [markerKey(facilityId, subscriptionId), legacyKey(facilityId, subscriptionId)].map((Key) =>
      dynamoClient().send(new DeleteCommand({ TableName: table(), Key })),
    ),
  );
}

/** The outbox port (use-cases/webhook-ports.ts). */
export const outboxStore = { markDue, unclaimed, claim, release, drop };
