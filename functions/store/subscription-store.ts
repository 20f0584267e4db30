/**
 * Webhook subscriptions, their delivery log and the outbox of due work, in THE table (keys in
 * keys.ts). A subscription item carries its position in the change stream (what has been
 * delivered), the delivery in flight (at most one: per-order order needs it) and a version
 * for optimistic updates. The outbox holds one marker per subscription with something due; the
 * dispatcher sets it, the sender claims it with a conditional update (a lease).
 */
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentFormat } from '../domain/api-keys.ts';
import type { Attempt, DeliveryStatus, SubscriptionStatus } from '../domain/webhooks.ts';
import { config, WEBHOOK_SETTINGS } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import {
  apiKeyPk,
  deliveriesPk,
  deliverySk,
  dueMarkerSk,
  facilityPk,
  keySubscriptionSk,
  SUBSCRIPTION_PREFIX,
  subscriptionCountSk,
  subscriptionSk,
  WEBHOOKS_DUE_PK,
} from './keys.ts';
import { TABLE } from './table.ts';
import { ConcurrentChangeError, type TransactItem, transactWrite } from './transact.ts';

type Item = Record<string, unknown>;
const table = () => config().tableName;
const { partitionKey: PK, sortKey: SK } = TABLE;

export interface Subscription {
  subscriptionId: string;
  facilityId: string;
  keyId: string;
  url: string;
  events: string;
  format: DocumentFormat;
  description: string | null;
  status: SubscriptionStatus;
  disabledReason: string | null;
  createdAt: string;
  /** The signing secret, sealed (store/secret-box.ts). */
  secret: string;
  /** The secret before the last rotation, sealed, and until when it still signs (ms). */
  previousSecret: string | null;
  previousUntil: number | null;
  /** Delivered up to here in the change stream (exclusive start of the next delivery). */
  position: string;
  /** A replay asked for: the next delivery starts here instead. */
  replayFrom: string | null;
  /** The sort key of the delivery in flight. */
  current: string | null;
  /** Failing without a success since (ms). */
  failingSince: number | null;
  lastDeliveryAt: string | null;
  version: number;
}

export interface Delivery {
  subscriptionId: string;
  deliveryId: string;
  webhookId: string;
  createdAt: string;
  status: DeliveryStatus;
  attempts: Attempt[];
  /** When the next attempt is due (ms); null when none is planned (delivered, failed, subscription disabled). */
  nextAttemptAt: number | null;
  /** Retries made so far. */
  retries: number;
  /** The slice of the change stream this delivery carries: inclusive bounds on the changes index. */
  lower: string | null;
  upper: string;
  windowStart: number | null;
  /** Where the subscription's position moves when this delivery is done. */
  nextPosition: string;
  documents: number;
}

const SUB_FIELDS = [
  'subscriptionId',
  'facilityId',
  'keyId',
  'url',
  'events',
  'format',
  'description',
  'status',
  'disabledReason',
  'createdAt',
  'secret',
  'previousSecret',
  'previousUntil',
  'position',
  'replayFrom',
  'current',
  'failingSince',
  'lastDeliveryAt',
  'version',
] as const satisfies readonly (keyof Subscription)[];

/** Reads the named fields of a stored item, an absent one as null. */
function fieldsOf<T>(fields: readonly (keyof T & string)[]): (item: Item) => T {
  return (item) => {
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f] = item[f] ?? null;
    return out as T;
  };
}

const subscriptionFromItem = fieldsOf<Subscription>(SUB_FIELDS);

const subKey = (facilityId: string, subscriptionId: string) => ({ [PK]: facilityPk(facilityId), [SK]: subscriptionSk(subscriptionId) });
const countKey = (keyId: string, facilityId: string) => ({ [PK]: apiKeyPk(keyId), [SK]: subscriptionCountSk(facilityId) });
const pointerKey = (s: Pick<Subscription, 'keyId' | 'facilityId' | 'subscriptionId'>) => ({
  [PK]: apiKeyPk(s.keyId),
  [SK]: keySubscriptionSk(s.facilityId, s.subscriptionId),
});

/** Thrown when a key already has the most subscriptions a facility allows. */
export class TooManySubscriptionsError extends Error {}

/** Stores a new subscription, its pointer from the key and the key's count there (at most `max`). */
export async function createSubscription(sub: Subscription, max = WEBHOOK_SETTINGS.maxPerKeyAndFacility): Promise<void> {
  const items: TransactItem[] = [
    {
      Put: {
        TableName: table(),
        Item: { ...subKey(sub.facilityId, sub.subscriptionId), ...sub },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Put: { TableName: table(), Item: { ...pointerKey(sub), subscriptionId: sub.subscriptionId, facilityId: sub.facilityId } } },
    {
      Update: {
        TableName: table(),
        Key: countKey(sub.keyId, sub.facilityId),
        UpdateExpression: 'ADD n :one',
        ConditionExpression: 'attribute_not_exists(n) OR n < :max',
        ExpressionAttributeValues: { ':one': 1, ':max': max },
      },
    },
  ];
  try {
    await transactWrite(items);
  } catch (e) {
    if (e instanceof ConcurrentChangeError) throw new TooManySubscriptionsError();
    throw e;
  }
}

/** One subscription, or null. */
export async function getSubscription(facilityId: string, subscriptionId: string): Promise<Subscription | null> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: table(), Key: subKey(facilityId, subscriptionId), ConsistentRead: true }),
  );
  return Item ? subscriptionFromItem(Item) : null;
}

/** Every subscription of a facility, oldest id first. */
export async function listSubscriptions(facilityId: string): Promise<Subscription[]> {
  const out: Subscription[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': facilityPk(facilityId), ':prefix': SUBSCRIPTION_PREFIX },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    out.push(...(page.Items ?? []).map(subscriptionFromItem));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

/** The facility and id of every subscription a key made. */
export async function subscriptionsOfKey(keyId: string, tableName = table()): Promise<{ facilityId: string; subscriptionId: string }[]> {
  const out: { facilityId: string; subscriptionId: string }[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': apiKeyPk(keyId), ':prefix': SUBSCRIPTION_PREFIX },
        ExclusiveStartKey,
      }),
    );
    for (const i of page.Items ?? []) out.push({ facilityId: String(i.facilityId), subscriptionId: String(i.subscriptionId) });
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

/** Removes a subscription and its pointer, and counts it off the key (its delivery log expires by itself). */
export async function deleteSubscription(sub: Subscription): Promise<void> {
  await transactWrite([
    { Delete: { TableName: table(), Key: subKey(sub.facilityId, sub.subscriptionId) } },
    { Delete: { TableName: table(), Key: pointerKey(sub) } },
    {
      Update: {
        TableName: table(),
        Key: countKey(sub.keyId, sub.facilityId),
        UpdateExpression: 'ADD n :minus',
        ExpressionAttributeValues: { ':minus': -1 },
      },
    },
  ]);
  await dynamoClient().send(
    new DeleteCommand({ TableName: table(), Key: { [PK]: WEBHOOKS_DUE_PK, [SK]: dueMarkerSk(sub.facilityId, sub.subscriptionId) } }),
  );
}

/** The update of a subscription's fields, if it is still at `version` (a transaction item). */
export function subscriptionUpdate(sub: Subscription, changes: Partial<Subscription>): TransactItem {
  const names: Record<string, string> = { '#v': 'version' };
  const values: Record<string, unknown> = { ':v': sub.version, ':next': sub.version + 1 };
  const sets = ['#v = :next'];
  const removes: string[] = [];
  for (const [i, [k, v]] of Object.entries(changes).entries()) {
    names[`#f${i}`] = k;
    if (v === null || v === undefined) removes.push(`#f${i}`);
    else {
      values[`:f${i}`] = v;
      sets.push(`#f${i} = :f${i}`);
    }
  }
  return {
    Update: {
      TableName: table(),
      Key: subKey(sub.facilityId, sub.subscriptionId),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: '#v = :v',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** Applies changes to a subscription still at its version (ConcurrentChangeError if it moved). */
export async function updateSubscription(
  sub: Subscription,
  changes: Partial<Subscription>,
  also: TransactItem[] = [],
): Promise<Subscription> {
  await transactWrite([subscriptionUpdate(sub, changes), ...also]);
  return { ...sub, ...changes, version: sub.version + 1 } as Subscription;
}

const retentionSeconds = (createdAtMs: number) => Math.floor(createdAtMs / 1000) + WEBHOOK_SETTINGS.logRetentionDays * 86_400;

/** The sort key of a delivery. */
export const deliveryKeyOf = (d: Pick<Delivery, 'createdAt' | 'deliveryId'>): string => deliverySk(d.createdAt, d.deliveryId);

/** The stored item of a delivery, kept for the log's retention from `retainFromMs`. */
const deliveryItem = (d: Delivery, retainFromMs: number) => ({
  [PK]: deliveriesPk(d.subscriptionId),
  [SK]: deliveryKeyOf(d),
  ...d,
  [TABLE.timeToLiveAttribute]: retentionSeconds(retainFromMs),
});

/** The put of a new delivery (a transaction item); it expires with the log's retention from its creation. */
export function deliveryPut(d: Delivery): TransactItem {
  return {
    Put: { TableName: table(), Item: deliveryItem(d, Date.parse(d.createdAt)), ConditionExpression: 'attribute_not_exists(pk)' },
  };
}

/** The put of a delivery's new state (a transaction item); its retention counts from now. */
export function deliveryRewrite(d: Delivery): TransactItem {
  return { Put: { TableName: table(), Item: deliveryItem(d, Date.now()) } };
}

const DELIVERY_FIELDS = [
  'subscriptionId',
  'deliveryId',
  'webhookId',
  'createdAt',
  'status',
  'attempts',
  'nextAttemptAt',
  'retries',
  'lower',
  'upper',
  'windowStart',
  'nextPosition',
  'documents',
] as const satisfies readonly (keyof Delivery)[];

const deliveryFromItem = fieldsOf<Delivery>(DELIVERY_FIELDS);

export async function getDelivery(subscriptionId: string, sk: string): Promise<Delivery | null> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: table(), Key: { [PK]: deliveriesPk(subscriptionId), [SK]: sk }, ConsistentRead: true }),
  );
  return Item ? deliveryFromItem(Item) : null;
}

/** A page of the delivery log, newest first, optionally of one status; `after` is the last sort key of the previous page. */
export async function listDeliveries(
  subscriptionId: string,
  options: { status?: string | undefined; limit: number; after?: string | undefined },
): Promise<{ deliveries: Delivery[]; last: string | null }> {
  const deliveries: Delivery[] = [];
  let ExclusiveStartKey: Item | undefined = options.after ? { [PK]: deliveriesPk(subscriptionId), [SK]: options.after } : undefined;
  for (;;) {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK, ...(options.status ? { '#st': 'status' } : {}) },
        ExpressionAttributeValues: {
          ':pk': deliveriesPk(subscriptionId),
          ':prefix': 'DLV#',
          ...(options.status ? { ':st': options.status } : {}),
        },
        ...(options.status ? { FilterExpression: '#st = :st' } : {}),
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: 100,
        ExclusiveStartKey,
      }),
    );
    const items = page.Items ?? [];
    for (const [i, item] of items.entries()) {
      deliveries.push(deliveryFromItem(item));
      if (deliveries.length === options.limit) {
        const more = i < items.length - 1 || page.LastEvaluatedKey !== undefined;
        return { deliveries, last: more ? String(item[SK]) : null };
      }
    }
    if (!page.LastEvaluatedKey) return { deliveries, last: null };
    ExclusiveStartKey = page.LastEvaluatedKey;
  }
}

/** How many deliveries of a subscription have this status (within the log's retention). */
export async function countDeliveries(subscriptionId: string, status: DeliveryStatus): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        FilterExpression: '#st = :st',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#st': 'status' },
        ExpressionAttributeValues: { ':pk': deliveriesPk(subscriptionId), ':prefix': 'DLV#', ':st': status },
        Select: 'COUNT',
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    count += page.Count ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return count;
}

/** An outbox marker: this subscription has something due at `dueAt`. */
export interface DueMarker {
  facilityId: string;
  subscriptionId: string;
  dueAt: number;
  ver: number;
  /** When the last change that marked it was seen (ms); null when none did (a replay, an enable). */
  lastChange: number | null;
}

const markerKey = (facilityId: string, subscriptionId: string) => ({
  [PK]: WEBHOOKS_DUE_PK,
  [SK]: dueMarkerSk(facilityId, subscriptionId),
});

/**
 * Marks a subscription due. Each mark bumps the marker's version, so a sender holding it keeps it.
 * A change (`changeAt` given) keeps a due time already set: a steady stream of changes must not
 * push it ever later; it records when it was seen, so that the sender waits for it to settle. A
 * replay or an enable (no `changeAt`) sets the time.
 */
export async function markDue(facilityId: string, subscriptionId: string, dueAt: number, changeAt?: number): Promise<void> {
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

/** Every marker, due or not (the outbox holds one per subscription with work: small). */
export async function listMarkers(): Promise<DueMarker[]> {
  const out: DueMarker[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':pk': WEBHOOKS_DUE_PK },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    for (const i of page.Items ?? []) {
      if (typeof i.leaseUntil === 'number' && i.leaseUntil > Date.now()) continue;
      out.push({
        facilityId: String(i.facilityId),
        subscriptionId: String(i.subscriptionId),
        dueAt: Number(i.dueAt),
        ver: Number(i.ver),
        lastChange: typeof i.lastChange === 'number' ? i.lastChange : null,
      });
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

const conditionFailed = (e: unknown) => (e as Error).name === 'ConditionalCheckFailedException';

/** Claims a marker for `leaseMs` if nobody else holds it and nothing marked it since it was read. */
export async function claimMarker(m: DueMarker, now: number, leaseMs: number): Promise<boolean> {
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
export async function releaseMarker(m: DueMarker, next: { dueAt: number } | 'done'): Promise<void> {
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
