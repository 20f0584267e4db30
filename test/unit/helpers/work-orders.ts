/**
 * Builders for unit tests of the order lifecycle: a valid canonical work order (from the
 * blended-fertilizer fixture) and the hub's state of an order that already exists.
 */

import type { ErpChange, OrderState, WorkOrderDocument } from '../../../functions/domain/work-orders.ts';
import fixture from '../../fixtures/work-order-blended.json' with { type: 'json' };

export const FACILITY = 'plant-7';
export const AGENCY = 'AssignedBySender';
/** A fixed hub time, epoch ms. */
export const T0 = Date.parse('2026-04-02T12:00:00.000Z');

export interface OrderDocOptions {
  type?: ErpChange;
  number?: string;
  agency?: string;
  /** Requested pounds of the first product: change it to change the order's content. */
  pounds?: number;
  /** The envelope header's document id: not content. */
  documentId?: string;
}

/** A canonical dispensing work order, a fresh deep copy each call. */
export function orderDoc(opts: OrderDocOptions = {}): WorkOrderDocument {
  const doc = structuredClone(fixture);
  doc.workOrderType = opts.type ?? 'create';
  doc.workOrderIdentifier.number = opts.number ?? doc.workOrderIdentifier.number;
  doc.workOrderIdentifier.agency = opts.agency ?? AGENCY;
  if (opts.pounds !== undefined) doc.productGroup[0]!.product[0]!.requestedQuantity.value = opts.pounds;
  if (opts.documentId !== undefined) doc.header.thisDocumentIdentifier = opts.documentId;
  return doc as unknown as WorkOrderDocument;
}

/** The hub's state of an existing order holding `doc` (open, revision 1, version 3 unless overridden). */
export function orderState(doc: WorkOrderDocument, overrides: Partial<OrderState> = {}): OrderState {
  return {
    facilityId: FACILITY,
    agency: doc.workOrderIdentifier.agency,
    number: doc.workOrderIdentifier.number,
    doc,
    status: 'open',
    revision: 1,
    version: 3,
    lastErpChange: 'create',
    createdAt: T0,
    modifiedAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}
