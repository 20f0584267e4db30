/**
 * Push work orders (ERP → hub): the batch is decided by the lifecycle of domain/work-orders.ts
 * against the orders as stored and written in one transaction: every order changes or none.
 */
import { enforceStoredSizes } from '../domain/documents.ts';
import {
  type EarlyReport,
  type OrderResult,
  type OrderState,
  type OrderWrite,
  planOrderBatch,
  type WorkOrderDocument,
  withEarlyReports,
} from '../domain/work-orders.ts';
import { LIMITS } from '../shared/config.ts';
import { retryOnConcurrentChange } from '../store/transact.ts';

/** The reads and writes this use case makes (functions/store/order-store.ts; fakes in unit tests). */
export interface OrderStore {
  loadOrders(facilityId: string, identities: readonly { agency: string; number: string }[]): Promise<Map<string, OrderState>>;
  writeOrders(writes: readonly OrderWrite[]): Promise<void>;
}

/** A push also reads what records reported for orders before they existed. */
export interface OrderPushStore extends Pick<OrderStore, 'writeOrders'> {
  loadOrderSlots(
    facilityId: string,
    identities: readonly { agency: string; number: string }[],
  ): Promise<{ orders: Map<string, OrderState>; early: Map<string, EarlyReport> }>;
}

/** Applies a batch of pushed orders all or nothing; answers each document's outcome and how many orders were written. */
export async function pushWorkOrders(
  store: OrderPushStore,
  { facilityId, documents }: { facilityId: string; documents: readonly WorkOrderDocument[] },
  now: () => number = Date.now,
): Promise<{ results: OrderResult[]; written: number }> {
  enforceStoredSizes(documents, '/dispensingWorkOrder', LIMITS);
  const identities = documents.map((d) => d.workOrderIdentifier);
  return retryOnConcurrentChange(async () => {
    const { orders, early } = await store.loadOrderSlots(facilityId, identities);
    const plan = planOrderBatch(documents, orders, facilityId, now());
    // An order created after records that name it starts where they left it.
    await store.writeOrders(withEarlyReports(plan.writes, early));
    return { results: plan.results, written: plan.writes.length };
  });
}
