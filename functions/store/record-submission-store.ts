/**
 * The stores' side of a record submission (use-cases/submit-work-records.ts): the reads it
 * makes, the files it stores, and the one transaction that writes a batch of records and their
 * documents' rows; the derive engine's store for what they move. What the handler wires into the use case.
 */
import type { RecordBatchCounts, RecordBatchWrite } from '../domain/work-records.ts';
import { retryOnConcurrentChange } from '../shared/retry.ts';
import { derivedFiguresStore } from './derive-store.ts';
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
import { loadOrders } from './order-store.ts';
import { loadRecords, recordPut } from './record-store.ts';
import { ITEMS_PER_BALANCE_CHANGE } from './stock-store.ts';
import { assertTransactionSize, transactWrite } from './transact.ts';

/** How many transaction actions a batch of these counts needs. */
export function recordBatchItems(counts: RecordBatchCounts): number {
  return counts.records + counts.documents;
}

/**
 * Throws StorageError 'too-many-writes' when a batch of these counts cannot be one transaction,
 * or when one of its records moves more figures than one derive step holds (its derived item,
 * its order, its aggregates, two per balance): asked before any file is stored.
 */
export function checkRecordBatchSize(counts: RecordBatchCounts): void {
  assertTransactionSize(recordBatchItems(counts));
  assertTransactionSize(2 + counts.figures.consumption + counts.figures.stock * ITEMS_PER_BALANCE_CHANGE);
}

/**
 * Writes a batch of records and their documents' rows in one transaction: all or nothing. A
 * lost race (a record stored meanwhile, an upload attached by another request):
 * ConcurrentChangeError. What they move is derived afterwards (store/derive-store.ts).
 */
export async function saveRecordBatch(batch: RecordBatchWrite): Promise<void> {
  const { facilityId } = batch;
  await transactWrite([
    ...batch.documents.map((d) => (d.change === 'stored' ? storedRowPut(d.row, d.wasPending) : storedRowCheck(facilityId, d.documentId))),
    ...batch.records.map(recordPut),
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
  checkSize: checkRecordBatchSize,
  save: saveRecordBatch,
  retryOnConcurrentChange,
  derived: derivedFiguresStore,
};
