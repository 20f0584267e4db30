/** Work orders in the table: load by identity, write a batch atomically, find by number. */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { identityKey } from '../domain/documents.ts';
import { isoMs } from '../domain/time.ts';
import type { EarlyReport, OrderSlots, OrderState, OrderWrite, WorkOrderDocument } from '../domain/work-orders.ts';
import { config } from '../shared/config.ts';
import { loadByIdentity } from './batch-get.ts';
import { dynamoClient } from './clients.ts';
import { changePosition, changesPk, facilityPk, orderNumberPrefix, orderSk, ordersByStatusPk } from './keys.ts';
import { TABLE } from './table.ts';
import { ConcurrentChangeError, type TransactItem, transactWrite, versionCondition } from './transact.ts';

type Item = Record<string, unknown>;

/** The stored item of an order (the document kept as its JSON text). */
export function orderItem(state: OrderState, version: number): Item {
  const doc = JSON.stringify(state.doc);
  const modifiedAt = isoMs(state.modifiedAt);
  return {
    [TABLE.partitionKey]: facilityPk(state.facilityId),
    [TABLE.sortKey]: orderSk(state.agency, state.number),
    [TABLE.changesIndex.partitionKey]: changesPk(state.facilityId, 'ORDERS'),
    [TABLE.changesIndex.sortKey]: changePosition(modifiedAt, state.agency, state.number),
    // Summaries (search): by status, and by modification or creation time within it.
    [TABLE.ordersByStatusModifiedIndex.partitionKey]: ordersByStatusPk(state.facilityId, state.status),
    [TABLE.ordersByStatusModifiedIndex.sortKey]: changePosition(modifiedAt, state.agency, state.number),
    [TABLE.ordersByStatusCreatedIndex.sortKey]: changePosition(isoMs(state.createdAt), state.agency, state.number),
    kind: 'order',
    facilityId: state.facilityId,
    agency: state.agency,
    number: state.number,
    doc,
    size: Buffer.byteLength(doc),
    status: state.status,
    revision: state.revision,
    version,
    lastErpChange: state.lastErpChange,
    createdAt: isoMs(state.createdAt),
    modifiedAt,
    updatedAt: isoMs(state.updatedAt),
    ...(state.acknowledgement === undefined ? {} : { acknowledgement: JSON.stringify(state.acknowledgement) }),
  };
}

/** The order state of a stored item. */
export function orderFromItem(item: Item): OrderState {
  return {
    facilityId: item.facilityId as string,
    agency: item.agency as string,
    number: item.number as string,
    doc: JSON.parse(item.doc as string) as WorkOrderDocument,
    status: item.status as OrderState['status'],
    revision: item.revision as number,
    version: item.version as number,
    lastErpChange: item.lastErpChange as OrderState['lastErpChange'],
    createdAt: Date.parse(item.createdAt as string),
    modifiedAt: Date.parse(item.modifiedAt as string),
    updatedAt: Date.parse(item.updatedAt as string),
    ...(typeof item.acknowledgement === 'string' ? { acknowledgement: JSON.parse(item.acknowledgement) } : {}),
  };
}

/** The item kind of an early report: records that named an order before the ERP created it. */
const EARLY_REPORT = 'orderReport';

type Slot = { agency: string; number: string } & ({ order: OrderState } | { early: EarlyReport });

function slotFromItem(item: Item): Slot {
  if (item.kind !== EARLY_REPORT) {
    const order = orderFromItem(item);
    return { agency: order.agency, number: order.number, order };
  }
  const status = item.reportedComplete === true ? 'complete' : 'inProgress';
  return { agency: item.agency as string, number: item.number as string, early: { status, version: item.version as number } };
}

/**
 * What the table holds at the named orders' keys (strongly consistent), by identityKey: the
 * orders, and the early reports of orders the ERP has not created yet.
 */
export async function loadOrderSlots(facilityId: string, identities: readonly { agency: string; number: string }[]): Promise<OrderSlots> {
  return splitSlots((await loadByIdentity(facilityPk(facilityId), identities, orderSk, slotFromItem)).values());
}

function splitSlots(slots: Iterable<Slot>): OrderSlots {
  const orders = new Map<string, OrderState>();
  const early = new Map<string, EarlyReport>();
  for (const slot of slots) {
    const id = identityKey(slot.agency, slot.number);
    if ('order' in slot) orders.set(id, slot.order);
    else early.set(id, slot.early);
  }
  return { orders, early };
}

/**
 * Writes orders that are all new (each conditioned on an empty key) in one transaction and
 * answers 'created'. When some keys are taken, nothing is written and the answer is what the
 * transaction met there (as loadOrderSlots would read it; the other keys were empty). A race
 * with another transaction, which tells nothing, throws ConcurrentChangeError.
 */
export async function createOrders(writes: readonly OrderWrite[]): Promise<'created' | OrderSlots> {
  try {
    await transactWrite(
      writes.map((w) => {
        if (w.expectedVersion !== 0) throw new Error('createOrders writes new orders only');
        const put = orderPut(w).Put!;
        return { Put: { ...put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
      }),
    );
    return 'created';
  } catch (e) {
    if (!(e instanceof ConcurrentChangeError) || !e.found) throw e;
    return splitSlots(e.found.filter((item) => item !== undefined).map(slotFromItem));
  }
}

/** Loads the current state of the named orders (strongly consistent), keyed by identityKey. */
export async function loadOrders(
  facilityId: string,
  identities: readonly { agency: string; number: string }[],
): Promise<Map<string, OrderState>> {
  return (await loadOrderSlots(facilityId, identities)).orders;
}

/**
 * The transaction action that keeps what a record reported for an order the hub does not
 * know yet, at that order's key. Flags only ever get set, so racing records merge; it fails
 * (and the submission is read again) when the order was created meanwhile.
 */
export function earlyReportUpdate(facilityId: string, agency: string, number: string, status: 'inProgress' | 'complete'): TransactItem {
  return {
    Update: {
      TableName: config().tableName,
      Key: { [TABLE.partitionKey]: facilityPk(facilityId), [TABLE.sortKey]: orderSk(agency, number) },
      UpdateExpression: `SET #kind = :kind, facilityId = :f, agency = :a, #number = :n, ${status === 'complete' ? 'reportedComplete' : 'reportedInProgress'} = :t ADD version :one`,
      ConditionExpression: 'attribute_not_exists(#pk) OR #kind = :kind',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#kind': 'kind', '#number': 'number' },
      ExpressionAttributeValues: { ':kind': EARLY_REPORT, ':f': facilityId, ':a': agency, ':n': number, ':t': true, ':one': 1 },
    },
  };
}

/** The transaction action that writes an order's new state, conditioned on the version it was read at. */
export function orderPut(write: { next: OrderState; expectedVersion: number }): TransactItem {
  return {
    Put: {
      TableName: config().tableName,
      Item: orderItem(write.next, write.expectedVersion + 1),
      ...versionCondition(write.expectedVersion),
    },
  };
}

/** Writes the batch's new order states in one transaction: every order changes or none does. */
export async function writeOrders(writes: readonly { next: OrderState; expectedVersion: number }[]): Promise<void> {
  await transactWrite(writes.map(orderPut));
}

/** The orders of a facility with this number: one, or several when agencies share a number. */
export async function findOrders(facilityId: string, number: string, agency?: string): Promise<OrderState[]> {
  const { tableName } = config();
  if (agency !== undefined) {
    const { Item } = await dynamoClient().send(
      new GetCommand({
        TableName: tableName,
        Key: { [TABLE.partitionKey]: facilityPk(facilityId), [TABLE.sortKey]: orderSk(agency, number) },
      }),
    );
    return Item && Item.kind !== EARLY_REPORT ? [orderFromItem(Item)] : [];
  }
  const { Items = [] } = await dynamoClient().send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': facilityPk(facilityId), ':prefix': orderNumberPrefix(number) },
    }),
  );
  return Items.filter((item) => item.kind !== EARLY_REPORT).map(orderFromItem);
}
