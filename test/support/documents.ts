/** Builders of valid canonical documents for tests, from our own fixtures. */

import type { DispensingWorkOrder } from '../../functions/generated/documents.ts';
import blended from '../fixtures/work-order-blended.json' with { type: 'json' };

export type OrderType = 'create' | 'update' | 'hold' | 'cancel';

/** A valid work order with this number; `quantity` changes the content (first product's requested pounds). */
export function workOrder(
  number: string,
  options: { type?: OrderType; agency?: string; quantity?: number; note?: string } = {},
): DispensingWorkOrder {
  const doc = structuredClone(blended) as unknown as DispensingWorkOrder;
  doc.workOrderIdentifier = { agency: (options.agency ?? 'AssignedBySender') as never, number };
  doc.workOrderType = options.type ?? 'create';
  if (options.quantity !== undefined) doc.productGroup[0]!.product[0]!.requestedQuantity.value = options.quantity;
  if (options.note !== undefined) doc.groupDescription = options.note;
  return doc;
}

/** The envelope of a push. */
export const orders = (...docs: DispensingWorkOrder[]) => ({ dispensingWorkOrder: docs });
