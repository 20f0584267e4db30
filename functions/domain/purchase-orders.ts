/**
 * Purchase orders against receipts: what each line received (in the line's unit, converted by
 * the component's density where needed), which receipts, and the order's status. Over- and
 * under-receipt are shown, never refused.
 */
import type { PurchaseOrder } from '../generated/documents.ts';
import { addDecimal, formatDecimal, parseDecimal } from './decimal.ts';
import { identityKey } from './documents.ts';
import { type StockComponent, sumInUnit, type UnconvertedView } from './stock.ts';
import { addRatio, compareRatio, formatRatio, negRatio, ratioOf } from './units.ts';

/** Per line number: exact sums per unit of what was received, and the receipts' ids. */
export type Received = Record<string, { sums: Record<string, string>; receipts: string[] }>;

export type PurchaseOrderStatus = 'open' | 'partlyReceived' | 'received' | 'cancelled';

export const parseReceived = (text: string | undefined): Received => (text ? (JSON.parse(text) as Received) : {});

/** `received` with one more receipt on a line. */
export function withReceipt(received: Received, line: number, receiptId: string, value: number, uom: string): Received {
  const next = structuredClone(received);
  const slot = next[String(line)] ?? { sums: {}, receipts: [] };
  slot.sums[uom] = formatDecimal(addDecimal(parseDecimal(slot.sums[uom] ?? '0'), parseDecimal(value)));
  slot.receipts.push(receiptId);
  next[String(line)] = slot;
  return next;
}

export interface PurchaseOrderLineView {
  line: number;
  component: { agency: string; number: string };
  quantity: { value: number; uom: string };
  received: { value: string; uom: string };
  outstanding: { value: string; uom: string };
  overReceived: boolean;
  receipts: string[];
  unconverted?: UnconvertedView[];
}

/** Each line with what it received (components give the density for mass ↔ volume). */
export function purchaseOrderLines(
  doc: PurchaseOrder,
  received: Received,
  components: ReadonlyMap<string, StockComponent>,
): PurchaseOrderLineView[] {
  return doc.lines.map((l) => {
    const slot = received[String(l.line)] ?? { sums: {}, receipts: [] };
    const density = components.get(identityKey(l.component.agency, l.component.number))?.density;
    const parts = Object.entries(slot.sums).map(([uom, value]) => ({ value, uom }));
    const { total, unconverted } = sumInUnit(parts, l.quantity.uom, density);
    const outstanding = addRatio(ratioOf(l.quantity.value), negRatio(total));
    return {
      line: l.line,
      component: { agency: l.component.agency, number: l.component.number },
      quantity: { value: l.quantity.value, uom: l.quantity.uom },
      received: { value: formatRatio(total), uom: l.quantity.uom },
      outstanding: { value: formatRatio(outstanding), uom: l.quantity.uom },
      overReceived: compareRatio(outstanding, ratioOf(0)) < 0,
      receipts: slot.receipts,
      ...(unconverted.length > 0 ? { unconverted } : {}),
    };
  });
}

/** cancelled (by the ERP); received when every line received at least what it ordered; partlyReceived once anything was; else open. */
export function purchaseOrderStatus(
  doc: PurchaseOrder,
  received: Received,
  components: ReadonlyMap<string, StockComponent>,
): PurchaseOrderStatus {
  if (doc.status === 'cancelled') return 'cancelled';
  const lines = purchaseOrderLines(doc, received, components);
  const done = (l: PurchaseOrderLineView) => l.outstanding.value === '0' || l.outstanding.value.startsWith('-');
  if (lines.every(done)) return 'received';
  return lines.some((l) => l.receipts.length > 0) ? 'partlyReceived' : 'open';
}
