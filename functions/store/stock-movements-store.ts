/**
 * The stores' side of the stock use cases (use-cases/stock-movements.ts, read-stock.ts): the
 * reads of balances, ledgers, receipts, counts and master data, and the one transaction of a
 * request of receipts or counts, built here from the item builders of the stores whose items it
 * writes (stock-store.ts, master-data-store.ts, lot-index-store.ts: a receipt's lot entry). What the handlers wire into the use cases.
 */
import { lotKey } from '../domain/lots.ts';
import type { StockWrite } from '../domain/stock.ts';
import { retryOnConcurrentChange } from '../shared/retry.ts';
import { ITEMS_PER_LOT_RECEIPT, lotReceiptItems } from './lot-index-store.ts';
import { listMasters, loadMasters, masterPut } from './master-data-store.ts';
import {
  balanceChangeItems,
  ITEMS_PER_BALANCE_CHANGE,
  listBalances,
  loadBalances,
  loadStockDocuments,
  readLedger,
  stockDocumentPut,
} from './stock-store.ts';
import { assertTransactionSize, transactWrite } from './transact.ts';

/** How many transaction actions a stock write needs. */
export function stockWriteItems({ documents, purchaseOrders, balances, lotReceipts = [] }: StockWrite): number {
  return documents.length + purchaseOrders.length + balances.length * ITEMS_PER_BALANCE_CHANGE + lotReceipts.length * ITEMS_PER_LOT_RECEIPT;
}

/**
 * Writes a request's receipts or counts, the purchase orders they fill and the balances they
 * move in one transaction: all or nothing. Too many actions for one transaction: StorageError
 * 'too-many-writes', nothing written; a lost race (a balance or order read at an older version,
 * an id stored meanwhile): ConcurrentChangeError.
 */
export async function applyStockWrite(write: StockWrite): Promise<void> {
  assertTransactionSize(stockWriteItems(write));
  const { facilityId, documents, purchaseOrders, balances, lotReceipts = [] } = write;
  // Two receipts of one lot in a request write its seen item once.
  const seen = new Set<string>();
  await transactWrite([
    ...documents.map((d) => stockDocumentPut(facilityId, d)),
    ...purchaseOrders.map((w) => masterPut('purchaseOrder', w)),
    ...balanceChangeItems(facilityId, balances),
    ...lotReceipts.flatMap(({ lot, receipt }) => {
      const [entry, seenItem] = lotReceiptItems(facilityId, lot, receipt);
      const first = !seen.has(lotKey(lot));
      seen.add(lotKey(lot));
      return first ? [entry!, seenItem!] : [entry!];
    }),
  ]);
}

/** Every read and write stock needs, as the use cases take them. */
export const stockStore = {
  loadBalances,
  readLedger,
  listBalances,
  loadStockDocuments,
  loadMasters,
  listMasters,
  apply: applyStockWrite,
  retryOnConcurrentChange,
};
