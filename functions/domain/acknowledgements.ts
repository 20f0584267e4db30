/**
 * Acknowledgements of receipt (PCS → hub): accepted or rejected, with reasons. They set the
 * order's status and are shown with the order; they never re-serve the order to the PCS.
 */

import type { AcknowledgeWorkOrderReceipt } from '../generated/documents.ts';
import { identityKey } from './documents.ts';
import { type ErrorItem, HubError } from './errors.ts';
import type { Extras } from './legacy-form.ts';
import { changedOrders, type OrderState, type OrderStatus, type OrderWrite } from './work-orders.ts';

/** An acknowledgement in canonical form (types from schemas/). */
export type AcknowledgementDocument = AcknowledgeWorkOrderReceipt;

export interface AcknowledgementResult {
  index: number;
  workOrderNumber: string;
  agency: string;
  status: 'accepted' | 'rejected';
}

/** Statuses an acknowledgement replaces; later ones (on hold, in progress, complete, cancelled) it leaves. */
const ACKNOWLEDGEABLE: ReadonlySet<OrderStatus> = new Set(['open', 'accepted', 'rejected']);

/**
 * Applies a batch of acknowledgements to the orders they name (by identityKey). Unknown
 * orders fail the whole batch (404, each named by index). Returns the results and the
 * order writes with the versions they were read at. `extras[i]`: what acknowledgement i sent in
 * the older form that the canonical form cannot hold, kept with it on the order.
 */
export function planAcknowledgements(
  acks: readonly AcknowledgementDocument[],
  orders: ReadonlyMap<string, OrderState>,
  now: number,
  pointer = '/acknowledgeWorkOrderReceipt',
  extras?: readonly (Extras | undefined)[],
): { results: AcknowledgementResult[]; writes: OrderWrite[] } {
  const working = new Map(orders);
  const errors: ErrorItem[] = [];
  const results: AcknowledgementResult[] = [];
  acks.forEach((ack, index) => {
    const { agency, number } = ack.workOrderIdentifier;
    const id = identityKey(agency, number);
    const order = working.get(id);
    if (!order) {
      errors.push({
        path: `${pointer}/${index}/workOrderIdentifier`,
        message: `work order ${number} (${agency}) is not known at this facility`,
      });
      return;
    }
    const status = ack.acknowledgeWorkOrderStatusCode;
    working.set(id, {
      ...order,
      status: ACKNOWLEDGEABLE.has(order.status) ? status : order.status,
      acknowledgement: ack,
      acknowledgementExtras: extras?.[index]?.length ? extras[index] : undefined,
      updatedAt: Math.max(now, order.updatedAt),
    });
    results.push({ index, workOrderNumber: number, agency, status });
  });
  if (errors.length > 0) {
    throw new HubError(
      'not-found',
      `${errors.length} acknowledgement${errors.length === 1 ? ' names an order' : 's name orders'} the hub does not know; nothing in this request was applied.`,
      errors,
    );
  }
  return { results, writes: changedOrders(working, orders) };
}
