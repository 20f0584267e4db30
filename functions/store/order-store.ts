/** Work orders in the table: load by identity, write a batch atomically, find by number. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { identityKey } from '../domain/documents.ts';
import { ConcurrentChangeError } from '../domain/errors.ts';
import { AGENCY_CODES } from '../domain/identity.ts';
import { reportedStatus } from '../domain/record-figures.ts';
import { ORDER_STATUSES } from '../domain/summaries.ts';
import { isoMs } from '../domain/time.ts';
import type { EarlyReport, ErpChange, OrderSlots, OrderState, OrderWrite, WorkOrderDocument } from '../domain/work-orders.ts';
import { config } from '../shared/config.ts';
import { batchGetItems, loadByIdentity } from './batch-get.ts';
import { dynamoClient } from './clients.ts';
import { num, text } from './item-fields.ts';
import { changePosition, changesPk, facilityPk, orderSk, ordersByStatusPk } from './keys.ts';
import { TABLE } from './table.ts';
import { type TransactItem, transactWrite } from './transact.ts';
import { versionCondition, versionedFields, versionedFromItem } from './versioned-item.ts';

/** Kept here for the stores that still import it from this module (stock-store.ts). */

type Item = Record<string, unknown>;

/** The stored item of an order (the document kept as its JSON text). */
export function orderItem(state: OrderState, version: number): Item {
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
    ...versionedFields(state, version),
    status: state.status,
    lastErpChange: state.lastErpChange,
    updatedAt: isoMs(state.updatedAt),
    // What the canonical form cannot hold of the document (and of the acknowledgement), as sent in the older form.
    ...(state.extras?.length ? { extras: JSON.stringify(state.extras) } : {}),
    ...(state.acknowledgement === undefined ? {} : { acknowledgement: JSON.stringify(state.acknowledgement) }),
    ...(state.acknowledgementExtras?.length ? { acknowledgementExtras: JSON.stringify(state.acknowledgementExtras) } : {}),
    ...(state.recordReports === undefined ? {} : { recordReports: JSON.stringify(state.recordReports) }),
    // The summaries read the count with the order (summary-store.ts); absent while the reports may miss a record.
    ...(state.reportsComplete ? { recordCount: Object.keys(state.recordReports ?? {}).length } : {}),
    ...(state.statusBeforeRecords === undefined ? {} : { statusBeforeRecords: state.statusBeforeRecords }),
  };
}

/** The order state of a stored item. */
export function orderFromItem(item: Item): OrderState {
  return {
    ...versionedFromItem<WorkOrderDocument>(item),
    status: oneOf(item, 'status', ORDER_STATUSES),
    lastErpChange: oneOf(item, 'lastErpChange', ERP_CHANGES),
    updatedAt: Date.parse(text(item, 'updatedAt')),
    ...(typeof item.extras === 'string' ? { extras: JSON.parse(item.extras) } : {}),
    ...(typeof item.acknowledgement === 'string' ? { acknowledgement: JSON.parse(item.acknowledgement) } : {}),
    ...(typeof item.acknowledgementExtras === 'string' ? { acknowledgementExtras: JSON.parse(item.acknowledgementExtras) } : {}),
    ...(typeof item.recordReports === 'string' ? { recordReports: JSON.parse(item.recordReports) } : {}),
    ...(item.recordCount === undefined ? {} : { reportsComplete: true }),
    ...(item.statusBeforeRecords === undefined ? {} : { statusBeforeRecords: oneOf(item, 'statusBeforeRecords', ORDER_STATUSES) }),
  };
}

const ERP_CHANGES: readonly ErpChange[] = ['create', 'update', 'hold', 'cancel'];

/** A text field that holds one of these values. */
function oneOf<T extends string>(item: Item, name: string, values: readonly T[]): T {
  const value = text(item, name);
  if (!(values as readonly string[]).includes(value))
    throw new Error(`stored item field "${name}" is ${value}, expected one of ${values.join(', ')}`);
  return value as T;
}

/** The item kind of an early report: records that named an order before the ERP created it. */
const EARLY_REPORT = 'orderReport';

type Slot = { agency: string; number: string } & ({ order: OrderState } | { early: EarlyReport });

function slotFromItem(item: Item): Slot {
  if (item.kind !== EARLY_REPORT) {
    const order = orderFromItem(item);
    return { agency: order.agency, number: order.number, order };
  }
  const version = num(item, 'version');
  const slot = { agency: text(item, 'agency'), number: text(item, 'number') };
  if (typeof item.records === 'string') {
    const records = JSON.parse(item.records) as NonNullable<EarlyReport['records']>;
    return {
      ...slot,
      early: { status: reportedStatus(records), version, records, ...(item.recordCount === undefined ? {} : { complete: true }) },
    };
  }
  // Kept before the reports were: flags only (the derive engine rebuilds the reports from the records).
  const status = item.reportedComplete === true ? 'complete' : item.reportedInProgress === true ? 'inProgress' : null;
  return { ...slot, early: { status, version } };
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

/**
 * The orders of a facility with this number: one, or several when agencies share a number.
 * Without an agency, a key lookup of the number under every agency of the code list (14 keys, one
 * BatchGetItem): its cost does not grow with the facility, where a begins_with Query on the
 * facility's partition does on DynamoDB Local (it scans the partition: 7.4x at 100,000 orders and
 * records against 1,000, docs/benchmarks.md). Every stored order's agency is one of the list (the
 * schema validates it; the list has not changed since the first version).
 */
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
  const items = await batchGetItems(
    AGENCY_CODES.map((code) => ({ [TABLE.partitionKey]: facilityPk(facilityId), [TABLE.sortKey]: orderSk(code, number) })),
  );
  // In the order of their keys, as a Query of the number's keys would answer.
  const sk = (item: Item) => String(item[TABLE.sortKey]);
  return items
    .filter((item) => item.kind !== EARLY_REPORT)
    .sort((a, b) => (sk(a) < sk(b) ? -1 : sk(a) > sk(b) ? 1 : 0))
    .map(orderFromItem);
}
