/**
 * Webhook subscriptions in THE table (keys in keys.ts): the subscription in its facility's
 * partition, a pointer from its key (revoking a key finds them) and the key's count there (at
 * most 10). Every change is an optimistic update at the subscription's version; a delivery's
 * state rides in the same transaction (items: webhook-items.ts).
 */

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentChangeError } from '../domain/errors.ts';
import type { DeliveryWrite, Subscription, SubscriptionChanges, SubscriptionDecision, SubscriptionStatus } from '../domain/webhooks.ts';
import { config } from '../shared/config.ts';
import { retryOnConcurrentChange } from '../shared/retry.ts';
import { batchGetItems } from './batch-get.ts';
import { dynamoClient } from './clients.ts';
import { num, optionalNum, text } from './item-fields.ts';
import { apiKeyPk, facilityPk, keySubscriptionSk, SUBSCRIPTION_PREFIX, subscriptionCountSk, subscriptionSk } from './keys.ts';
import { queryAll } from './paginate.ts';
import { TABLE } from './table.ts';
import { type TransactItem, transactWrite } from './transact.ts';
import { deliveryItem, deliveryRef, formatField, nullableNum, nullableText, oneOf } from './webhook-items.ts';

type Item = Record<string, unknown>;
const table = () => config().tableName;
const { partitionKey: PK, sortKey: SK } = TABLE;

const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = ['active', 'disabled'];

function subscriptionFromItem(item: Item): Subscription {
  return {
    subscriptionId: text(item, 'subscriptionId'),
    facilityId: text(item, 'facilityId'),
    keyId: text(item, 'keyId'),
    url: text(item, 'url'),
    events: text(item, 'events'),
    format: formatField(item, 'format'),
    description: nullableText(item, 'description'),
    status: oneOf(item, 'status', SUBSCRIPTION_STATUSES),
    disabledReason: nullableText(item, 'disabledReason'),
    createdAt: text(item, 'createdAt'),
    secret: text(item, 'secret'),
    previousSecret: nullableText(item, 'previousSecret'),
    previousUntil: nullableNum(item, 'previousUntil'),
    position: text(item, 'position'),
    replayFrom: nullableText(item, 'replayFrom'),
    // Absent on a subscription stored before replays were counted: none counted yet.
    replays: optionalNum(item, 'replays') ?? 0,
    current: nullableText(item, 'current'),
    failingSince: nullableNum(item, 'failingSince'),
    lastDeliveryAt: nullableText(item, 'lastDeliveryAt'),
    version: num(item, 'version'),
  };
}

const subKey = (facilityId: string, subscriptionId: string) => ({ [PK]: facilityPk(facilityId), [SK]: subscriptionSk(subscriptionId) });
const countKey = (keyId: string, facilityId: string) => ({ [PK]: apiKeyPk(keyId), [SK]: subscriptionCountSk(facilityId) });
const pointerKey = (s: Pick<Subscription, 'keyId' | 'facilityId' | 'subscriptionId'>) => ({
  [PK]: apiKeyPk(s.keyId),
  [SK]: keySubscriptionSk(s.facilityId, s.subscriptionId),
});

/**
 * Stores a new subscription, its pointer from the key and the key's count there (at most `max`).
 * Only the count's own condition means the limit is reached; a transaction that clashed with
 * another one is tried again.
 */
async function create(sub: Subscription, max: number): Promise<'created' | 'limit-reached'> {
  const tell = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const;
  return retryOnConcurrentChange(async () => {
    try {
      await transactWrite([
        {
          Put: {
            TableName: table(),
            Item: { ...subKey(sub.facilityId, sub.subscriptionId), ...sub },
            ConditionExpression: 'attribute_not_exists(pk)',
            ...tell,
          },
        },
        {
          Put: {
            TableName: table(),
            Item: { ...pointerKey(sub), subscriptionId: sub.subscriptionId, facilityId: sub.facilityId },
            ...tell,
          },
        },
        {
          Update: {
            TableName: table(),
            Key: countKey(sub.keyId, sub.facilityId),
            UpdateExpression: 'ADD n :one',
            ConditionExpression: 'attribute_not_exists(n) OR n < :max',
            ExpressionAttributeValues: { ':one': 1, ':max': max },
            ...tell,
          },
        },
      ]);
      return 'created';
    } catch (e) {
      if (e instanceof ConcurrentChangeError && e.found?.[2] !== undefined) return 'limit-reached';
      throw e;
    }
  });
}

async function get(facilityId: string, subscriptionId: string): Promise<Subscription | null> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: table(), Key: subKey(facilityId, subscriptionId), ConsistentRead: true }),
  );
  return Item ? subscriptionFromItem(Item) : null;
}

/** Each subscription as `get` answers it, in the order of `keys`: BatchGetItem, strongly consistent, 100 keys a request. */
async function getMany(keys: readonly { facilityId: string; subscriptionId: string }[]): Promise<(Subscription | null)[]> {
  const ref = (k: { facilityId: string; subscriptionId: string }) => `${k.facilityId} ${k.subscriptionId}`;
  // One request may not name a key twice.
  const distinct = [...new Map(keys.map((k) => [ref(k), subKey(k.facilityId, k.subscriptionId)])).values()];
  const found = new Map(
    (await batchGetItems(distinct)).map((i) => {
      const s = subscriptionFromItem(i);
      return [ref(s), s] as const;
    }),
  );
  return keys.map((k) => found.get(ref(k)) ?? null);
}

/** Every subscription of a facility, oldest id first. */
function list(facilityId: string): Promise<Subscription[]> {
  return queryAll(
    {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': facilityPk(facilityId), ':prefix': SUBSCRIPTION_PREFIX },
      ConsistentRead: true,
    },
    subscriptionFromItem,
  );
}

/** The facility and id of every subscription a key made (its pointers). */
function ofKey(keyId: string): Promise<{ facilityId: string; subscriptionId: string }[]> {
  return queryAll(
    {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': apiKeyPk(keyId), ':prefix': SUBSCRIPTION_PREFIX },
    },
    (i) => ({ facilityId: text(i, 'facilityId'), subscriptionId: text(i, 'subscriptionId') }),
  );
}

/**
 * Removes a subscription and its pointer, and counts it off the key (its delivery log expires by
 * itself). Only a subscription still there is counted off: of two removes racing, the second
 * does nothing (else the key's count would drop below what it holds, and let it exceed `max`).
 */
async function remove(sub: Subscription): Promise<void> {
  await retryOnConcurrentChange(async () => {
    try {
      await removeStored(sub);
    } catch (e) {
      // Gone: another remove got there first. Still there: a transaction conflict, try again.
      if (e instanceof ConcurrentChangeError && !(await get(sub.facilityId, sub.subscriptionId))) return;
      throw e;
    }
  });
}

async function removeStored(sub: Subscription): Promise<void> {
  await transactWrite([
    { Delete: { TableName: table(), Key: subKey(sub.facilityId, sub.subscriptionId), ConditionExpression: 'attribute_exists(pk)' } },
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
}

/** The update of a subscription's fields, if it is still at its version (a transaction item); null and undefined remove a field. */
function subscriptionUpdate(sub: Subscription, changes: SubscriptionChanges): TransactItem {
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

/** The write of a delivery's state: a new one must not exist yet and expires from its creation; a rewrite's retention counts from now. */
function deliveryWriteItem(write: DeliveryWrite): TransactItem {
  if ('start' in write) {
    const d = write.start;
    return { Put: { TableName: table(), Item: deliveryItem(d, Date.parse(d.createdAt)), ConditionExpression: 'attribute_not_exists(pk)' } };
  }
  return { Put: { TableName: table(), Item: deliveryItem(write.save, Date.now()) } };
}

/** Applies changes to a subscription still at its version (ConcurrentChangeError if it moved). */
async function write(sub: Subscription, changes: SubscriptionChanges, delivery?: DeliveryWrite): Promise<Subscription> {
  const all =
    delivery && 'start' in delivery && delivery.start.status === 'pending' ? { ...changes, current: deliveryRef(delivery.start) } : changes;
  await transactWrite([subscriptionUpdate(sub, all), ...(delivery ? [deliveryWriteItem(delivery)] : [])]);
  return { ...sub, ...all, version: sub.version + 1 };
}

async function update(sub: Subscription, changes: SubscriptionChanges, delivery?: DeliveryWrite): Promise<Subscription | null> {
  try {
    return await write(sub, changes, delivery);
  } catch (e) {
    if (e instanceof ConcurrentChangeError) return null;
    throw e;
  }
}

function modify(
  facilityId: string,
  subscriptionId: string,
  decide: (sub: Subscription | null) => Promise<SubscriptionDecision | null>,
): Promise<Subscription | null> {
  return retryOnConcurrentChange(async () => {
    const sub = await get(facilityId, subscriptionId);
    const decision = await decide(sub);
    if (!sub || !decision) return sub;
    return write(sub, decision.changes, decision.delivery);
  });
}

/** The subscriptions port (use-cases/webhook-ports.ts). */
export const subscriptionStore = { create, get, getMany, list, ofKey, remove, update, modify };
