/**
 * Push work orders (ERP → hub): the batch is decided by the lifecycle of domain/work-orders.ts
 * against the orders as stored and written in one transaction: every order changes or none.
 */
import { enforceStoredSizes } from '../domain/documents.ts';
import { type OrderResult, type OrderState, type OrderWrite, planOrderBatch, type WorkOrderDocument } from '../domain/work-orders.ts';
import { LIMITS } from '../shared/config.ts';
import { retryOnConcurrentChange } from '../store/transact.ts';

/** The reads and writes this use case makes (functions/store/order-store.ts; fakes in unit tests). */
export interface OrderStore {
  loadOrders(facilityId: string, identities: readonly { agency: string; number: string }[]): Promise<Map<string, OrderState>>;
  writeOrders(writes: readonly OrderWrite[]): Promise<void>;
}

/** Applies a batch of pushed orders all or nothing; answers each document's outcome and how many orders were written. */
export async function pushWorkOrders(
  store: OrderStore,
  { facilityId, documents }: { facilityId: string; documents: readonly WorkOrderDocument[] },
  now: () => number = Date.now,
): Promise<{ results: OrderResult[]; written: number }> {
  enforceStoredSizes(documents, '/dispensingWorkOrder', LIMITS);
  const identities = documents.map((d) => d.workOrderIdentifier);
  return retryOnConcurrentChange(async () => {
    const plan = planOrderBatch(documents, await store.loadOrders(facilityId, identities), facilityId, now());
    await store.writeOrders(plan.writes);
    return { results: plan.results, written: plan.writes.length };
  });
}
