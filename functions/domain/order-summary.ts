/**
 * What an ERP needs to invoice an order: per product, the quantity requested by the order
 * and the quantities actually dispensed, summed over every record (batch) reported for it.
 * Products are matched by their group's and their own first identifier; quantities are
 * summed per unit of measure, never converted.
 */
import { sumDecimals } from './decimal.ts';
import type { Identifier } from './work-orders.ts';

interface Quantity {
  value: number;
  uom: string;
  agency: string;
}

interface ProductLike {
  identifier: Identifier[];
  requestedQuantity?: Quantity;
  actualQuantity?: Quantity;
}

interface GroupLike {
  identifier: Identifier[];
  product: ProductLike[];
}

export interface ProductLine {
  productGroup: { agency: string; number: string; name?: string };
  product: { agency: string; number: string; name?: string };
  requestedQuantity: Quantity | null;
  /** One total per unit of measure (normally exactly one). */
  actualQuantity: Quantity[];
  /** Records that reported this product. */
  records: number;
}

const ref = (ids: Identifier[]) => {
  const first = ids[0];
  return first
    ? { agency: first.agency, number: first.number, ...(typeof first.name === 'string' ? { name: first.name } : {}) }
    : { agency: '', number: '' };
};
const lineKey = (group: GroupLike, product: ProductLike) =>
  JSON.stringify([
    ref(group.identifier).agency,
    ref(group.identifier).number,
    ref(product.identifier).agency,
    ref(product.identifier).number,
  ]);
/** Sums exactly in decimal (0.1 + 0.2 is 0.3), as the consumption report does. */
const add = (a: number, b: number) => Number(sumDecimals([a, b]));

/** Requested and actual quantities per product of an order and its records. */
export function productLines(
  order: { productGroup?: GroupLike[] } | null,
  records: readonly { productGroup?: GroupLike[] }[],
): ProductLine[] {
  const lines = new Map<string, ProductLine>();
  const lineFor = (group: GroupLike, product: ProductLike) => {
    const key = lineKey(group, product);
    let line = lines.get(key);
    if (!line) {
      line = {
        productGroup: ref(group.identifier),
        product: ref(product.identifier),
        requestedQuantity: null,
        actualQuantity: [],
        records: 0,
      };
      lines.set(key, line);
    }
    return line;
  };
  for (const group of order?.productGroup ?? []) {
    for (const product of group.product) {
      const line = lineFor(group, product);
      if (product.requestedQuantity) line.requestedQuantity = { ...product.requestedQuantity };
    }
  }
  for (const record of records) {
    for (const group of record.productGroup ?? []) {
      for (const product of group.product) {
        const line = lineFor(group, product);
        line.records += 1;
        if (!line.requestedQuantity && product.requestedQuantity) line.requestedQuantity = { ...product.requestedQuantity };
        const actual = product.actualQuantity;
        if (!actual) continue;
        const same = line.actualQuantity.find((q) => q.uom === actual.uom && q.agency === actual.agency);
        if (same) same.value = add(same.value, actual.value);
        else line.actualQuantity.push({ ...actual });
      }
    }
  }
  return [...lines.values()];
}
