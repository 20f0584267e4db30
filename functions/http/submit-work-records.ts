/**
 * POST /facility/{facilityId}/dispensingWorkRecords: the PCS reports what it dispensed, with
 * Bills of Lading inline or by reference to a direct upload (functions/use-cases/submit-work-records.ts).
 */
import { stringifyBooleans } from '../domain/documents.ts';
import { validateWorkRecordRequest } from '../generated/validators/validate-work-record-request.cjs';
import { withWarnings } from '../shared/body.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { httpHandler, json } from '../shared/middleware.ts';
import { attachUploadObject, checkUpload, deleteObjectsQuietly, getDocumentRow, putDocumentObject } from '../store/document-store.ts';
import { loadOrders } from '../store/order-store.ts';
import { loadRecords } from '../store/record-store.ts';
import { loadBalances } from '../store/stock-store.ts';
import { transactWrite } from '../store/transact.ts';
import { type RecordSubmissionStore, submitWorkRecords } from '../use-cases/submit-work-records.ts';

const store: RecordSubmissionStore = {
  getDocumentRow,
  checkUpload,
  attachUploadObject,
  putDocumentObject,
  deleteObjectsQuietly,
  loadRecords,
  loadOrders,
  loadBalances,
  transactWrite,
};

export const handler = httpHandler(
  'submitWorkRecords',
  async ({ warnings, facilityId, caller, body }) => {
    const records = body.dispensingWorkRecord.map(stringifyBooleans);
    const { results, created } = await submitWorkRecords(store, { facilityId, keyId: caller.keyId, records });
    countMetric('recordsReceived', created);
    logger.info('work records submitted', { facilityId, records: records.length, created });
    return json({ results: withWarnings(warnings, results) });
  },
  { envelope: { name: 'dispensingWorkRecord', kind: 'workRecord' }, validate: validateWorkRecordRequest },
);
