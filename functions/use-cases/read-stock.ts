/**
 * Reading stock and purchase orders: balances and documents as stored, never the records.
 * `GET /stock` costs what the facility has of components and balances (plus the ledger of one
 * component when its movements are asked for), whatever the number of records behind them.
 */
import { identityKey } from '../domain/documents.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import { type MasterKind, type MasterState, toStockComponents } from '../domain/master-data.ts';
import { type PurchaseOrderLineView, parseReceived, purchaseOrderLines } from '../domain/purchase-orders.ts';
import { type Balance, type Movement, type StockKey, type StockRowView, stockRow } from '../domain/stock.ts';
import { isoMs } from '../domain/time.ts';
import type { PurchaseOrder } from '../generated/documents.ts';

export interface StockReadStore {
  listMasters(kind: MasterKind, facilityId: string, number?: string, agency?: string): Promise<MasterState[]>;
  loadMasters(
    kind: MasterKind,
    facilityId: string,
    identities: readonly { agency: string; number: string }[],
  ): Promise<Map<string, MasterState>>;
  listBalances(facilityId: string, number?: string): Promise<Balance[]>;
  readLedger(facilityId: string, key: StockKey, afterMs?: number): Promise<Movement[]>;
}

export interface StockQuery {
  component?: string;
  location?: string;
  movements: boolean;
}

/**
 * The query of `GET /stock` as its schemas admitted it (routes.ts checks each parameter):
 * `include=movements` needs a component (400 naming include).
 */
export function parseStockQuery(q: { component?: string; location?: string; include?: 'movements' }): StockQuery {
  if (q.include === 'movements' && q.component === undefined) {
    const message = 'include=movements needs component=NUMBER';
    throw invalidInput(message, [{ path: '/queryStringParameters/include', message }]);
  }
  return {
    ...(q.component === undefined ? {} : { component: q.component }),
    ...(q.location === undefined ? {} : { location: q.location }),
    movements: q.include === 'movements',
  };
}

/** Stock per component (and location): every balance of a known component, and a zero row for a component without any. */
export async function getStock(store: StockReadStore, facilityId: string, query: StockQuery, now: () => number = Date.now) {
  const asOf = isoMs(now());
  const [components, balances] = await Promise.all([
    store.listMasters('component', facilityId, query.component),
    store.listBalances(facilityId, query.component),
  ]);
  if (query.component !== undefined && components.length === 0) {
    throw notFound(`No component with number ${query.component} is known at this facility.`);
  }
  const known = toStockComponents(new Map(components.map((c) => [identityKey(c.agency, c.number), c])));
  const rows: StockRowView[] = [];
  const shown = new Set<string>();
  for (const balance of balances) {
    const id = identityKey(balance.key.agency, balance.key.number);
    const component = known.get(id);
    // Balances of products that are no component (yet) are kept, and shown once the component exists.
    if (!component || (query.location !== undefined && balance.key.location !== query.location)) continue;
    shown.add(id);
    const ledger = query.movements ? await store.readLedger(facilityId, balance.key) : undefined;
    rows.push(stockRow(balance, component, balance.key.location, ledger));
  }
  for (const [id, component] of known) {
    if (!shown.has(id) && query.location === undefined) rows.push(stockRow(null, component, null, query.movements ? [] : undefined));
  }
  rows.sort(
    (a, b) =>
      a.component.number.localeCompare(b.component.number) ||
      a.component.agency.localeCompare(b.component.agency) ||
      (a.location ?? '').localeCompare(b.location ?? ''),
  );
  return { asOf, stock: rows };
}

/** One purchase order with what each line received: 404 when unknown, 409 when two agencies share the number. */
export async function getPurchaseOrder(
  store: StockReadStore,
  facilityId: string,
  number: string,
  agency?: string,
): Promise<{ purchaseOrder: PurchaseOrder; status: string; revision: number; modifiedAt: string; lines: PurchaseOrderLineView[] }> {
  const found = await store.listMasters('purchaseOrder', facilityId, number, agency);
  if (found.length === 0) throw notFound(`Purchase order ${number} is not known at this facility.`);
  if (found.length > 1) {
    throw conflict(`${found.length} purchase orders have number ${number}: name the agency (?agency=).`, [
      { path: '/queryStringParameters/agency', message: 'needed' },
    ]);
  }
  const po = found[0]!;
  const doc = po.doc as PurchaseOrder;
  const components = toStockComponents(
    await store.loadMasters(
      'component',
      facilityId,
      doc.lines.map((l) => l.component),
    ),
  );
  return {
    purchaseOrder: doc,
    status: po.status ?? 'open',
    revision: po.revision,
    modifiedAt: isoMs(po.modifiedAt),
    lines: purchaseOrderLines(doc, parseReceived(po.received), components),
  };
}
