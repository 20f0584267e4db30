/**
 * Push work orders (ERP → hub): the batch is decided by the lifecycle of domain/work-orders.ts
 * against the orders as stored and written in one transaction: every order changes or none.
 */
import { enforceStoredSizes } from '../domain/documents.ts';
import { HubError, isConcurrentChange } from '../domain/errors.ts';
import type { Extras } from '../domain/legacy-form.ts';
import {
  type OrderResult,
  type OrderSlots,
  type OrderState,
  type OrderWrite,
  planOrderBatch,
  type WorkOrderDocument,
  withEarlyReports,
} from '../domain/work-orders.ts';
import { LIMITS } from '../shared/config.ts';
import { retryOnConcurrentChange } from '../shared/retry.ts';

/**
 * The reads and writes this use case makes (functions/store/order-store.ts; in memory in unit
 * tests). A write that lost a race throws the domain's ConcurrentChangeError.
 */
export interface OrderStore {
  loadOrders(facilityId: string, identities: readonly { agency: string; number: string }[]): Promise<Map<string, OrderState>>;
  writeOrders(writes: readonly OrderWrite[]): Promise<void>;
}

/** A push also reads what records reported for orders before they existed, and first tries a batch of creates as new. */
export interface OrderPushStore extends Pick<OrderStore, 'writeOrders'> {
  loadOrderSlots(facilityId: string, identities: readonly { agency: string; number: string }[]): Promise<OrderSlots>;
  /** Writes orders none of which exists yet; when some key is taken, writes nothing and answers what is at the keys. */
  createOrders(writes: readonly OrderWrite[]): Promise<'created' | OrderSlots>;
}

type PushOutcome = { results: OrderResult[]; written: number };

/**
 * Applies a batch of pushed orders all or nothing; answers each document's outcome and how
 * many orders were written. `extras[i]`, what document i sent in the older form that the
 * canonical form cannot hold, is kept with its order.
 *
 * A batch of creates, the common push, is first written as if none of its orders existed,
 * without reading them: each write is conditioned on its key being empty, so the guess only
 * succeeds when it was right. When it was wrong (an order or an early report is there, e.g. a
 * resent batch), the cancelled transaction tells what it met at the keys and the batch is
 * planned on that, as if read; later rounds read.
 */
export async function pushWorkOrders(
  store: OrderPushStore,
  {
    facilityId,
    documents,
    extras,
  }: { facilityId: string; documents: readonly WorkOrderDocument[]; extras?: readonly (Extras | undefined)[] },
  now: () => number = Date.now,
): Promise<PushOutcome> {
  // Each order's item holds its extras too.
  enforceStoredSizes(extras ? documents.map((d, i) => [d, extras[i]]) : documents, '/dispensingWorkOrder', LIMITS);
  let met: OrderSlots | undefined;
  const guess = asNewPlan(documents, facilityId, now(), extras);
  if (guess) {
    try {
      const answer = await store.createOrders(guess.writes);
      if (answer === 'created') return { results: guess.results, written: guess.writes.length };
      met = answer;
    } catch (e) {
      if (!isConcurrentChange(e)) throw e;
    }
  }
  const identities = documents.map((d) => d.workOrderIdentifier);
  return retryOnConcurrentChange(async (attempt) => {
    const { orders, early } = attempt === 1 && met ? met : await store.loadOrderSlots(facilityId, identities);
    const plan = planOrderBatch(documents, orders, facilityId, now(), undefined, extras);
    // An order created after records that name it starts where they left it.
    await store.writeOrders(withEarlyReports(plan.writes, early));
    return { results: plan.results, written: plan.writes.length };
  });
}

/** The plan of a batch of creates on an empty table; none for other batches, or one that would fail even there. */
function asNewPlan(documents: readonly WorkOrderDocument[], facilityId: string, now: number, extras?: readonly (Extras | undefined)[]) {
  if (!documents.every((d) => d.workOrderType === 'create')) return null;
  try {
    return planOrderBatch(documents, new Map(), facilityId, now, undefined, extras);
  } catch (e) {
    if (e instanceof HubError) return null;
    throw e;
  }
}
