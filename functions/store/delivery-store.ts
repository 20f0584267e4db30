/**
 * The delivery log of each subscription (its own partition, newest first, expiring after the
 * log's retention). Deliveries are written with their subscription (subscription-store.ts);
 * this module reads them.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Delivery, DeliveryStatus, Subscription } from '../domain/webhooks.ts';
import { config } from '../shared/config.ts';
import { dynamoClient } from './clients.ts';
import { deliveriesPk } from './keys.ts';
import { queryPages } from './paginate.ts';
import { TABLE } from './table.ts';
import { deliveryFromItem, deliveryKey, deliveryRef } from './webhook-items.ts';

const { partitionKey: PK, sortKey: SK } = TABLE;
const DELIVERY_PREFIX = 'DLV#';

/** The subscription's delivery in flight, or null. */
async function inFlight(sub: Subscription): Promise<Delivery | null> {
  if (!sub.current) return null;
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: config().tableName, Key: deliveryKey(sub.subscriptionId, sub.current), ConsistentRead: true }),
  );
  return Item ? deliveryFromItem(Item) : null;
}

/** The Query of a subscription's log, optionally of one status. */
const logQuery = (subscriptionId: string, status: DeliveryStatus | undefined) => ({
  KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
  ExpressionAttributeNames: { '#pk': PK, '#sk': SK, ...(status ? { '#st': 'status' } : {}) },
  ExpressionAttributeValues: { ':pk': deliveriesPk(subscriptionId), ':prefix': DELIVERY_PREFIX, ...(status ? { ':st': status } : {}) },
  ...(status ? { FilterExpression: '#st = :st' } : {}),
  ConsistentRead: true,
});

/** A page of the log, newest first, optionally of one status, after the delivery `after` names. */
async function page(
  subscriptionId: string,
  options: { status?: DeliveryStatus | undefined; limit: number; after?: Pick<Delivery, 'createdAt' | 'deliveryId'> | undefined },
): Promise<{ deliveries: Delivery[]; more: boolean }> {
  const deliveries: Delivery[] = [];
  const input = {
    ...logQuery(subscriptionId, options.status),
    ScanIndexForward: false,
    Limit: 100,
  };
  const start = options.after ? { start: deliveryKey(subscriptionId, deliveryRef(options.after)) } : {};
  for await (const { items, more } of queryPages(input, start)) {
    for (const [i, item] of items.entries()) {
      deliveries.push(deliveryFromItem(item));
      if (deliveries.length === options.limit) return { deliveries, more: i < items.length - 1 || more };
    }
  }
  return { deliveries, more: false };
}

/** How many deliveries of a subscription have this status (within the log's retention). */
async function count(subscriptionId: string, status: DeliveryStatus): Promise<number> {
  let n = 0;
  for await (const page of queryPages({ ...logQuery(subscriptionId, status), Select: 'COUNT' })) n += page.count;
  return n;
}

/** The delivery log port (use-cases/webhook-ports.ts). */
export const deliveryLog = { inFlight, page, count };
