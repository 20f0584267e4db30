/**
 * POST /facility/{facilityId}/dispensingWorkRecords: the PCS reports what it dispensed, with
 * Bills of Lading inline (base64) or by reference to a direct upload.
 *
 * Retries never duplicate: a record's identity is its workRecordIdentifier, written with a
 * condition that it does not exist yet, so the table itself is the idempotency store (two
 * racing twins: one write wins, the other re-reads and answers "unchanged").
 * Nothing dangles: files are stored before the transaction that writes the records and
 * makes their documents visible; if that transaction fails, the files of this attempt are
 * deleted, and in any case no stored row points at them.
 */
import { createHash } from 'node:crypto';
import {
  bytesMatch,
  newDocumentId,
  type RecordDocument,
  readRecordDocuments,
  rejectDocumentErrors,
  safeFileName,
  withDocumentReferences,
} from '../domain/bills-of-lading.ts';
import { enforceStoredSizes, stringifyBooleans } from '../domain/documents.ts';
import { type ErrorItem, invalidInput } from '../domain/errors.ts';
import { planRecordBatch, recordContentHash, type WorkRecordDocument } from '../domain/work-records.ts';
import type { DispensingWorkRecord } from '../generated/documents.ts';
import { validateWorkRecordRequest } from '../generated/validators/validate-work-record-request.cjs';
import { LIMITS } from '../shared/config.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { httpHandler, json } from '../shared/middleware.ts';
import {
  attachUploadObject,
  checkUpload,
  type DocumentRow,
  deleteObjectsQuietly,
  getDocumentRow,
  putDocumentObject,
  storedRowCheck,
  storedRowPut,
  type UploadCheck,
} from '../store/document-store.ts';
import { documentObjectKey, uploadObjectKey } from '../store/keys.ts';
import { loadOrders, orderPut } from '../store/order-store.ts';
import { loadRecords, recordPut, type StoredDocumentRef } from '../store/record-store.ts';
import { assertTransactionSize, retryOnConcurrentChange, type TransactItem, transactWrite } from '../store/transact.ts';

const POINTER = '/dispensingWorkRecord';

/** A referenced upload, checked once per request. */
interface CheckedReference {
  row: DocumentRow;
  wasPending: boolean;
  sha256: string;
  size: number;
}

export const handler = httpHandler<{ dispensingWorkRecord: DispensingWorkRecord[] }>(
  'submitWorkRecords',
  async ({ facilityId, caller, body }) => {
    const facility = facilityId!;
    const records = body.dispensingWorkRecord.map((r) => stringifyBooleans(r) as unknown as WorkRecordDocument);
    const hashes = records.map(recordContentHash);

    // Every file is checked before anything is written.
    const documents = records.map((r, i) => readRecordDocuments(r, `${POINTER}/${i}`));
    rejectDocumentErrors(
      documents.flatMap((d) => d.errors),
      documents.flatMap((d) => d.tooLarge),
    );
    // Uploads are read end to end once; their rows are read again on every attempt, since a
    // racing submission may attach the same upload meanwhile.
    const checkedUploads = new Map<string, UploadCheck & { ok: true }>();

    const { results, created } = await retryOnConcurrentChange(async () => {
      const references = await checkReferences(
        facility,
        documents.map((d) => d.documents),
        checkedUploads,
      );
      const [existing, orders] = await Promise.all([
        loadRecords(
          facility,
          records.map((r) => r.workRecordIdentifier),
        ),
        loadOrders(
          facility,
          records.map((r) => r.workOrderIdentifier),
        ),
      ]);
      const plan = planRecordBatch(records, hashes, existing, orders, Date.now());
      // Refuse an over-large transaction before any file is stored.
      const documentRows = new Set(
        plan.created.flatMap((i) => documents[i]!.documents.map((d) => (d.kind === 'reference' ? d.documentId : `${i}/${d.index}`))),
      );
      assertTransactionSize(plan.created.length + documentRows.size + plan.orderWrites.length);

      const written: string[] = [];
      const items: TransactItem[] = [];
      const attached = new Set<string>();
      try {
        const stored = [];
        for (const index of plan.created) {
          const { record, refs, actions } = await storeDocuments(
            facility,
            caller!.keyId,
            records[index]!,
            documents[index]!.documents,
            references,
            written,
          );
          stored.push({ index, record, refs });
          items.push(...actions);
          refs.forEach((d) => attached.add(d.documentId));
        }
        enforceStoredSizes(
          stored.map((s) => s.record),
          POINTER,
          LIMITS,
        );
        // Stamped after the files are stored, right before the write: the stamp must not
        // be older than the settle delay by the time the write is visible to pollers.
        const receivedAt = Date.now();
        for (const { index, record, refs } of stored) {
          const submitted = records[index]!;
          const { agency, number } = submitted.workRecordIdentifier;
          const order = submitted.workOrderIdentifier;
          const state = {
            facilityId: facility,
            agency,
            number,
            contentHash: hashes[index]!,
            orderAgency: order.agency,
            orderNumber: order.number,
            orderMatched: plan.results[index]!.orderMatched,
            receivedAt,
          };
          items.push(recordPut(state, record, refs));
        }
        items.push(...plan.orderWrites.map(orderPut));
        await transactWrite(dedupeDocumentActions(items));
      } catch (e) {
        // This attempt's files are referenced by nothing: remove them.
        await deleteObjectsQuietly(written);
        throw e;
      }
      // Attached uploads now live under documents/: drop the upload copies.
      const moved = [...references.values()].filter((r) => r.wasPending && attached.has(r.row.documentId));
      await deleteObjectsQuietly(moved.map((r) => uploadObjectKey(facility, r.row.documentId)));
      return { results: plan.results, created: plan.created.length };
    });
    countMetric('recordsReceived', created);
    logger.info('work records submitted', { facilityId: facility, records: records.length, created });
    return json({ results });
  },
  { envelope: { name: 'dispensingWorkRecord', kind: 'workRecord' }, validate: validateWorkRecordRequest },
);

/**
 * Loads and checks every referenced direct upload once: it must be a document of this
 * facility, and an upload not yet attached must be complete, of its declared size and of
 * its declared type by its bytes. Throws 400 naming each bad reference by its path.
 */
async function checkReferences(
  facility: string,
  perRecord: RecordDocument[][],
  checkedUploads: Map<string, UploadCheck & { ok: true }>,
): Promise<Map<string, CheckedReference>> {
  const refs = perRecord.flat().filter((d): d is Extract<RecordDocument, { kind: 'reference' }> => d.kind === 'reference');
  const checked = new Map<string, CheckedReference>();
  const errors: ErrorItem[] = [];
  for (const ref of refs) {
    if (checked.has(ref.documentId)) continue;
    const row = await getDocumentRow(facility, ref.documentId);
    if (!row) {
      errors.push({ path: `${ref.path}/identifier`, message: `document ${ref.documentId} is not known at this facility` });
      continue;
    }
    if (row.status === 'stored') {
      checked.set(ref.documentId, { row, wasPending: false, sha256: row.sha256!, size: row.size });
      continue;
    }
    const result =
      checkedUploads.get(row.documentId) ??
      (await checkUpload(facility, row.documentId, row.size, (head) => bytesMatch(row.contentType, head)));
    if (!result.ok) {
      errors.push({ path: `${ref.path}/identifier`, message: `document ${ref.documentId} ${result.reason}` });
      continue;
    }
    checkedUploads.set(row.documentId, result);
    checked.set(ref.documentId, { row, wasPending: true, sha256: result.sha256, size: result.size });
  }
  if (errors.length > 0) throw invalidInput('Some referenced documents cannot be attached; nothing in this request was applied.', errors);
  return checked;
}

/**
 * Stores a new record's files: inline bytes go to S3 under a new document id, checked
 * uploads are copied to their place. Returns the record as it will be stored (references
 * instead of bytes), the document list, and the row actions for the transaction.
 */
async function storeDocuments(
  facility: string,
  keyId: string,
  record: WorkRecordDocument,
  documents: RecordDocument[],
  references: Map<string, CheckedReference>,
  written: string[],
): Promise<{ record: WorkRecordDocument; refs: StoredDocumentRef[]; actions: TransactItem[] }> {
  const ids = new Map<number, string>();
  const refs: StoredDocumentRef[] = [];
  const actions: TransactItem[] = [];
  for (const doc of documents) {
    if (doc.kind === 'inline') {
      const documentId = newDocumentId();
      const sha256 = createHash('sha256').update(doc.bytes).digest('hex');
      written.push(documentObjectKey(facility, documentId));
      await putDocumentObject(facility, documentId, doc.bytes, doc.contentType, sha256);
      const row: DocumentRow = {
        facilityId: facility,
        documentId,
        status: 'stored',
        fileName: safeFileName(doc.fileName, documentId, doc.extension),
        contentType: doc.contentType,
        extension: doc.extension,
        size: doc.bytes.length,
        sha256,
        ...(doc.documentType ? { documentType: doc.documentType } : {}),
        createdAt: new Date().toISOString(),
        keyId,
      };
      actions.push(storedRowPut(row, false));
      ids.set(doc.index, documentId);
      refs.push(refOf(row));
    } else {
      const checked = references.get(doc.documentId)!;
      const documentType = record.associatedDocument?.[doc.index]?.documentType as string | undefined;
      if (checked.wasPending) {
        await attachUploadObject(facility, doc.documentId, checked.sha256);
        const row: DocumentRow = {
          ...checked.row,
          status: 'stored',
          size: checked.size,
          sha256: checked.sha256,
          ...(documentType ? { documentType } : {}),
        };
        actions.push(storedRowPut(row, true));
        refs.push(refOf(row));
      } else {
        actions.push(storedRowCheck(facility, doc.documentId));
        refs.push(refOf(checked.row));
      }
    }
  }
  return { record: withDocumentReferences(record, ids), refs, actions };
}

const refOf = (row: DocumentRow): StoredDocumentRef => ({
  documentId: row.documentId,
  fileName: row.fileName,
  contentType: row.contentType,
  size: row.size,
  sha256: row.sha256!,
  ...(row.documentType ? { documentType: row.documentType } : {}),
});

/** One action per document row: the same upload named by two records of a batch is attached once. */
function dedupeDocumentActions(items: TransactItem[]): TransactItem[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = item.Put?.Item
      ? `${item.Put.Item.pk}|${item.Put.Item.sk}`
      : item.ConditionCheck
        ? `${item.ConditionCheck.Key?.pk}|${item.ConditionCheck.Key?.sk}`
        : null;
    if (key === null || !key.includes('DOC#')) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
