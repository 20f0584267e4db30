/**
 * The stores' side of a record submission (use-cases/submit-work-records.ts): the reads it
 * makes, the files it stores, and the one transaction that writes a batch of records with
 * everything they move, built here from the item builders of the stores whose items it writes
 * (record, order, document, consumption and stock stores). What the handler wires into the use case.
 */
import type { RecordBatchCounts, RecordBatchWrite } from '../domain/work-records.ts';
import { retryOnConcurrentChange } from '../shared/retry.ts';
import { aggregateUpdates } from './consumption-store.ts';
import {
  attachUploadObject,
  checkUpload,
  discardStoredFiles,
  discardUploads,
  getDocumentRow,
  putDocumentObject,
  storedRowCheck,
  storedRowPut,
} from './document-store.ts';
import { earlyReportUpdate, loadOrders, orderPut } from './order-store.ts';
import { loadRecords, recordPut } from './record-store.ts';
import { balanceChangeItems, ITEMS_PER_BALANCE_CHANGE, loadBalances } from './stock-store.ts';
import { assertTransactionSize, transactWrite } from './transact.ts';

/** How many transaction actions a batch of these counts needs. */
export function recordBatchItems(counts: RecordBatchCounts): number {
  return (
    counts.records + counts.documents + counts.orders + counts.earlyReports + counts.consumption + counts.stock * ITEMS_PER_BALANCE_CHANGE
  );
}

/** Throws StorageError 'too-many-writes' when a batch of these counts cannot be one transaction (asked before any file is stored). */
export function checkRecordBatchSize(counts: RecordBatchCounts): void {
  assertTransactionSize(recordBatchItems(counts));
}

/**
 * Writes a batch of records, their documents' rows, the orders and early reports they move,
 * their consumption aggregates and their stock in one transaction: all or nothing. A lost race
 * (a record stored meanwhile, an order or balance read at an older version, an upload attached
 * by another request): ConcurrentChangeError.
 */
export async function saveRecordBatch(batch: RecordBatchWrite): Promise<void> {
  const { facilityId } = batch;
  await transactWrite([
    ...batch.documents.map((d) => (d.change === 'stored' ? storedRowPut(d.row, d.wasPending) : storedRowCheck(facilityId, d.documentId))),
    ...batch.records.map(recordPut),
    ...batch.orders.map(orderPut),
    ...aggregateUpdates(facilityId, batch.consumption),
    ...balanceChangeItems(facilityId, batch.stock),
    ...batch.earlyReports.map((r) => earlyReportUpdate(facilityId, r.agency, r.number, r.status)),
  ]);
}

/** Every read and write a record submission needs, as the use case takes them. */
export const recordSubmissionStore = {
  getDocumentRow,
  checkUpload,
  attachUploadObject,
  putDocumentObject,
  discardStoredFiles,
  discardUploads,
  loadRecords,
  loadOrders,
  loadBalances,
  checkSize: checkRecordBatchSize,
  save: saveRecordBatch,
  retryOnConcurrentChange,
};
