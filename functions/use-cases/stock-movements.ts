/**
 * Receipts and stock counts (PCS → hub), and the stock actions every movement shares:
 * each movement writes a ledger entry and its balance's new state in the transaction that
 * creates its document (receipt, count or work record), so it counts exactly once however
 * often it is sent. Identity by receiptId / countId: identical again → unchanged, other
 * content → 409. Receipts against a purchase order line update that order in the same
 * transaction.
 */
import { identityKey } from '../domain/documents.ts';
import { conflict, type ErrorItem, invalidInput } from '../domain/errors.ts';
import { type LotReceipt, type LotRef, NO_LOT_AGENCY } from '../domain/lots.ts';
import { contentHash, type MasterKind, type MasterState, type MasterWrite, toStockComponents } from '../domain/master-data.ts';
import { parseReceived, purchaseOrderStatus, withReceipt } from '../domain/purchase-orders.ts';
import {
  applyCounts,
  type Balance,
  type BalanceChange,
  decimalText,
  effectiveCount,
  type Movement,
  type MovementsByBalance,
  movementChanges,
  type StockDocument,
  type StockDocumentKind,
  type StockKey,
  type StockWrite,
  stockKeyId,
} from '../domain/stock.ts';
import { isoMs, parseDateTime } from '../domain/time.ts';
import type { PurchaseOrder, Receipt, StockCount } from '../generated/documents.ts';

/**
 * The reads and the write a movement needs, in the domain's terms (store/stock-movements-store.ts
 * on AWS and locally; test/unit/helpers/memory-stock-store.ts in unit tests).
 */
export interface StockStore {
  loadBalances(facilityId: string, keys: readonly StockKey[]): Promise<ReadonlyMap<string, Balance>>;
  readLedger(facilityId: string, key: StockKey, afterMs?: number): Promise<Movement[]>;
  loadStockDocuments(facilityId: string, kind: StockDocumentKind, ids: readonly string[]): Promise<ReadonlyMap<string, StockDocument>>;
  loadMasters(
    kind: MasterKind,
    facilityId: string,
    identities: readonly { agency: string; number: string }[],
  ): Promise<Map<string, MasterState>>;
  listMasters(kind: MasterKind, facilityId: string, number?: string, agency?: string): Promise<MasterState[]>;
  /**
   * Writes the documents, purchase orders and balances all or nothing: StorageError
   * 'too-many-writes' (nothing written) when they cannot be one atomic write; a lost race throws
   * the error `retryOnConcurrentChange` retries on.
   */
  apply(write: StockWrite): Promise<void>;
  /** Runs a read-decide-write round again while it loses races; gives up with StorageError 'kept-changing'. */
  retryOnConcurrentChange<T>(round: (attempt: number) => Promise<T>): Promise<T>;
}

const group = (entries: readonly { key: StockKey; movement: Movement }[]): MovementsByBalance => {
  const out: MovementsByBalance = new Map();
  for (const { key, movement } of entries) {
    const slot = out.get(stockKeyId(key)) ?? { key, movements: [] };
    slot.movements.push(movement);
    out.set(stockKeyId(key), slot);
  }
  return out;
};

type StockDoc = Receipt | StockCount;
const idOf = (kind: StockDocumentKind, d: StockDoc) => (kind === 'receipt' ? (d as Receipt).receiptId : (d as StockCount).countId);

/**
 * Reads which documents of the batch are stored already and splits the batch into new
 * documents and retries: a stored id with other content → 409; identical → unchanged.
 */
async function sortOut<T extends StockDoc>(
  store: StockStore,
  facilityId: string,
  kind: StockDocumentKind,
  pointer: string,
  docs: readonly T[],
) {
  const stored = await store.loadStockDocuments(
    facilityId,
    kind,
    docs.map((d) => idOf(kind, d)),
  );
  const field = kind === 'receipt' ? 'receiptId' : 'countId';
  const conflicts: ErrorItem[] = [];
  const fresh: { index: number; doc: T; hash: string }[] = [];
  const results = docs.map((doc, index) => {
    const id = idOf(kind, doc);
    const hash = contentHash(doc);
    const existing = stored.get(id);
    if (existing && existing.contentHash !== hash) {
      conflicts.push({ path: `${pointer}/${index}/${field}`, message: `${field} ${id} was already reported with other content` });
    } else if (!existing) fresh.push({ index, doc, hash });
    return { index, [field]: id, outcome: existing ? ('unchanged' as const) : ('created' as const) };
  });
  if (conflicts.length > 0)
    throw conflict(
      `A ${kind} is identified by its ${field}: report changes under a new one; nothing in this request was applied.`,
      conflicts,
    );
  return { results, fresh };
}

function rejectDuplicateIds(kind: StockDocumentKind, pointer: string, docs: readonly StockDoc[]): void {
  const field = kind === 'receipt' ? 'receiptId' : 'countId';
  const seen = new Map<string, number>();
  const errors: ErrorItem[] = [];
  docs.forEach((d, i) => {
    const id = idOf(kind, d);
    if (seen.has(id)) errors.push({ path: `${pointer}/${i}/${field}`, message: `the same ${field} as document ${seen.get(id)}` });
    else seen.set(id, i);
  });
  if (errors.length > 0) throw invalidInput('A request names each document once; nothing in this request was applied.', errors);
}

const keyOf = (d: StockDoc): StockKey => ({ agency: d.component.agency, number: d.component.number, location: d.location ?? null });

/** The purchase order a receipt names, or a 400 naming the receipt. */
async function findPurchaseOrder(
  store: StockStore,
  facilityId: string,
  ref: NonNullable<Receipt['purchaseOrder']>,
  path: string,
): Promise<MasterState> {
  const found = await store.listMasters('purchaseOrder', facilityId, ref.number, ref.agency);
  if (found.length === 1) return found[0]!;
  const message =
    found.length === 0
      ? `purchase order ${ref.number} is not known at this facility`
      : `${found.length} purchase orders have number ${ref.number}: name the agency`;
  throw invalidInput('A receipt names a purchase order that cannot be used; nothing in this request was applied.', [{ path, message }]);
}

/** The lot index entry of a receipt naming a lot: when, how much, against which purchase order line, from which supplier. */
function lotReceipt(doc: Receipt, index: number, po: MasterState | null): { lot: LotRef; receipt: LotReceipt } {
  const lot = doc.lot!;
  const supplier = po ? (po.doc as PurchaseOrder).supplier : undefined;
  return {
    lot: { agency: lot.agency ?? NO_LOT_AGENCY, number: lot.number },
    receipt: {
      receiptId: doc.receiptId,
      receivedAt: isoMs(parseDateTime(doc.receivedAt, `/receipts/${index}/receivedAt`)),
      component: { agency: doc.component.agency, number: doc.component.number },
      quantity: { value: doc.quantity.value, uom: doc.quantity.uom },
      purchaseOrder: po && doc.purchaseOrder ? { agency: po.agency, number: po.number, line: doc.purchaseOrder.line } : null,
      supplier: supplier ? { name: supplier.name } : null,
    },
  };
}

/** Applies a batch of receipts all or nothing; answers each receipt's outcome. */
export async function submitReceipts(
  store: StockStore,
  { facilityId, receipts }: { facilityId: string; receipts: readonly Receipt[] },
  now: () => number = Date.now,
) {
  const pointer = '/receipts';
  rejectDuplicateIds('receipt', pointer, receipts);
  return store.retryOnConcurrentChange(async () => {
    const { results, fresh } = await sortOut(store, facilityId, 'receipt', pointer, receipts);

    // Receipts against purchase order lines: the order must exist, have the line, and the line the receipt's component.
    const orders = new Map<string, MasterState>();
    /** The purchase order each receipt was received against (by the receipt's index): its lot entry names it and its supplier. */
    const poOf = new Map<number, MasterState>();
    const errors: ErrorItem[] = [];
    for (const { index, doc } of fresh) {
      const ref = doc.purchaseOrder;
      if (!ref) continue;
      const path = `${pointer}/${index}/purchaseOrder`;
      const po = await findPurchaseOrder(store, facilityId, ref, path);
      poOf.set(index, po);
      const id = identityKey(po.agency, po.number);
      const current = orders.get(id) ?? po;
      const line = (current.doc as PurchaseOrder).lines.find((l) => l.line === ref.line);
      if (!line) errors.push({ path: `${path}/line`, message: `purchase order ${po.number} has no line ${ref.line}` });
      else if (identityKey(line.component.agency, line.component.number) !== identityKey(doc.component.agency, doc.component.number)) {
        errors.push({
          path: `${pointer}/${index}/component`,
          message: `line ${ref.line} of purchase order ${po.number} is for component ${line.component.number}`,
        });
      } else {
        orders.set(id, {
          ...current,
          received: JSON.stringify(
            withReceipt(parseReceived(current.received), ref.line, doc.receiptId, doc.quantity.value, doc.quantity.uom),
          ),
        });
      }
    }
    if (errors.length > 0)
      throw invalidInput('Some receipts do not match the purchase order they name; nothing in this request was applied.', errors);

    const perBalance = group(
      fresh.map(({ doc, index }) => ({
        key: keyOf(doc),
        movement: {
          at: parseDateTime(doc.receivedAt, `${pointer}/${index}/receivedAt`),
          type: 'receipt',
          id: doc.receiptId,
          value: decimalText(doc.quantity.value),
          uom: doc.quantity.uom,
        },
      })),
    );
    const [balances, components] = await Promise.all([
      store.loadBalances(
        facilityId,
        [...perBalance.values()].map((b) => b.key),
      ),
      store.loadMasters(
        'component',
        facilityId,
        [...orders.values()].flatMap((o) => (o.doc as PurchaseOrder).lines.map((l) => l.component)),
      ),
    ]);
    const known = toStockComponents(components);
    const orderWrites: MasterWrite[] = [...orders.values()].map((o) => {
      const status = purchaseOrderStatus(o.doc as PurchaseOrder, parseReceived(o.received), known);
      return { next: { ...o, status }, expectedVersion: o.version };
    });
    const t = now();
    await store.apply({
      facilityId,
      documents: fresh.map(({ doc, hash }) => ({ kind: 'receipt', id: doc.receiptId, contentHash: hash, doc, receivedAt: t })),
      purchaseOrders: orderWrites,
      balances: movementChanges(perBalance, balances),
      lotReceipts: fresh.flatMap(({ doc, index }) => (doc.lot ? [lotReceipt(doc, index, poOf.get(index) ?? null)] : [])),
    });
    return { results };
  });
}

/** Applies a batch of stock counts all or nothing; answers each count's outcome. */
export async function submitStockCounts(
  store: StockStore,
  { facilityId, counts }: { facilityId: string; counts: readonly StockCount[] },
  now: () => number = Date.now,
) {
  const pointer = '/stockCounts';
  rejectDuplicateIds('count', pointer, counts);
  return store.retryOnConcurrentChange(async () => {
    const { results, fresh } = await sortOut(store, facilityId, 'count', pointer, counts);
    const perBalance = group(
      fresh.map(({ doc, index }) => ({
        key: keyOf(doc),
        movement: {
          at: parseDateTime(doc.countedAt, `${pointer}/${index}/countedAt`),
          type: 'count',
          id: doc.countId,
          value: decimalText(doc.quantity.value),
          uom: doc.quantity.uom,
        },
      })),
    );
    const balances = await store.loadBalances(
      facilityId,
      [...perBalance.values()].map((b) => b.key),
    );
    const changes: BalanceChange[] = [];
    for (const { key, movements } of perBalance.values()) {
      const balance = balances.get(stockKeyId(key)) ?? null;
      const count = effectiveCount(balance, movements);
      // What is already known after the new count's time applies on top of it (read strongly; the balance's version guards the race).
      const after = count ? await store.readLedger(facilityId, key, count.at) : [];
      changes.push({ next: applyCounts(balance, key, movements, after), lines: movements });
    }
    const t = now();
    await store.apply({
      facilityId,
      documents: fresh.map(({ doc, hash }) => ({ kind: 'count', id: doc.countId, contentHash: hash, doc, receivedAt: t })),
      purchaseOrders: [],
      balances: changes,
    });
    return { results };
  });
}
