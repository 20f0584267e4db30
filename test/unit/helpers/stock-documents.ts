/** Builders of components, purchase orders, receipts and counts for the stock unit tests (the in-memory stock store holds them). */
import type { MasterState } from '../../../functions/domain/master-data.ts';
import type { Component, PurchaseOrder, Receipt, StockCount } from '../../../functions/generated/documents.ts';
import type { memoryStockStore } from './memory-stock-store.ts';

export const STOCK_FACILITY = 'PLANT-STOCK';
export const AGENCY = 'AssignedBySeller' as const;
const T0 = Date.parse('2026-11-01T00:00:00.000Z');

const stored = (doc: Component | PurchaseOrder): Omit<MasterState, 'version'> => ({
  facilityId: STOCK_FACILITY,
  agency: doc.identifier.agency,
  number: doc.identifier.number,
  doc,
  contentHash: `hash-${doc.identifier.number}`,
  revision: 1,
  createdAt: T0,
  modifiedAt: T0,
});

/** Stores a component as the ERP's push would. */
export function addComponent(store: ReturnType<typeof memoryStockStore>, number: string, uom = 'KGM', density?: number): void {
  const doc: Component = {
    identifier: { agency: AGENCY, number },
    name: `Component ${number}`,
    uom,
    active: true,
    ...(density ? { density } : {}),
  };
  store.putMaster('component', stored(doc));
}

/** Stores an open purchase order with these lines (line numbers from 1). */
export function addPurchaseOrder(
  store: ReturnType<typeof memoryStockStore>,
  number: string,
  lines: readonly { component: string; value: number; uom?: string }[],
): void {
  const doc: PurchaseOrder = {
    identifier: { agency: AGENCY, number },
    lines: lines.map((l, i) => ({
      line: i + 1,
      component: { agency: AGENCY, number: l.component },
      quantity: { value: l.value, uom: l.uom ?? 'KGM' },
    })),
  };
  store.putMaster('purchaseOrder', stored(doc));
}

export const receipt = (
  receiptId: string,
  component: string,
  value: number,
  options: { at?: string; location?: string; purchaseOrder?: Receipt['purchaseOrder']; uom?: string } = {},
): Receipt => ({
  receiptId,
  component: { agency: AGENCY, number: component },
  quantity: { value, uom: options.uom ?? 'KGM' },
  receivedAt: options.at ?? '2026-11-10T08:00:00.000Z',
  ...(options.location ? { location: options.location } : {}),
  ...(options.purchaseOrder ? { purchaseOrder: options.purchaseOrder } : {}),
});

export const count = (countId: string, component: string, value: number, at: string, location?: string): StockCount => ({
  countId,
  component: { agency: AGENCY, number: component },
  quantity: { value, uom: 'KGM' },
  countedAt: at,
  ...(location ? { location } : {}),
});
