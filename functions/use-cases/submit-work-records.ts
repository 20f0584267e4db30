/**
 * Use case: a PCS submits work records, with Bills of Lading inline (base64) or by reference
 * to a direct upload. Plain logic over the store functions it is given (`RecordSubmissionStore`),
 * so it runs in unit tests without DynamoDB or S3.
 *
 * Retries never duplicate: a record's identity is its workRecordIdentifier, written with a
 * condition that it does not exist yet, so the table itself is the idempotency store (two
 * racing twins: one write wins, the other re-reads and answers "unchanged").
 * Nothing dangles: files are stored before the transaction that writes the records and
 * makes their documents visible; if that transaction fails, the files of this attempt are
 * deleted, and in any case no stored row points at them.
 * What is attached is what was checked: an upload is copied pinned to the object its check
 * read (version and ETag), and one re-posted since is a 409, not a document of other bytes.
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
import { consumptionDeltas, recordTime } from '../domain/consumption.ts';
import { enforceStoredSizes } from '../domain/documents.ts';
import { conflict, type ErrorItem, invalidInput } from '../domain/errors.ts';
import { dispensedMovements } from '../domain/stock.ts';
import { planRecordBatch, type RecordResult, recordContentHash, type WorkRecordDocument } from '../domain/work-records.ts';
import { LIMITS } from '../shared/config.ts';
import { aggregateUpdates } from '../store/consumption-store.ts';
import { type DocumentRow, storedRowCheck, storedRowPut, type UploadCheck, type UploadVersion } from '../store/document-store.ts';
import { documentObjectKey, isDocumentSk, uploadObjectKey } from '../store/keys.ts';
import { earlyReportUpdate, orderPut } from '../store/order-store.ts';
import { recordPut, type StoredDocumentRef } from '../store/record-store.ts';
import { assertTransactionSize, retryOnConcurrentChange, type TransactItem, transactItemKey } from '../store/transact.ts';
import { movementActions } from './stock-movements.ts';

const POINTER = '/dispensingWorkRecord';

/** The reads and writes this use case makes (functions/store/ on AWS and locally; fakes in unit tests). */
export interface RecordSubmissionStore {
  getDocumentRow(facilityId: string, documentId: string): Promise<DocumentRow | null>;
  checkUpload(facilityId: string, documentId: string, declaredSize: number, accept: (head: Uint8Array) => boolean): Promise<UploadCheck>;
  /** Copies exactly the checked object into place; `changed` (nothing copied) when it was replaced since its check. */
  attachUploadObject(facilityId: string, documentId: string, sha256: string, version: UploadVersion): Promise<'attached' | 'changed'>;
  putDocumentObject(facilityId: string, documentId: string, bytes: Uint8Array, contentType: string, sha256: string): Promise<void>;
  deleteObjectsQuietly(keys: readonly string[]): Promise<void>;
  loadRecords: typeof import('../store/record-store.ts').loadRecords;
  loadOrders: typeof import('../store/order-store.ts').loadOrders;
  loadBalances: typeof import('../store/stock-store.ts').loadBalances;
  transactWrite(items: TransactItem[]): Promise<void>;
}

export interface RecordSubmission {
  facilityId: string;
  /** The key submitting (recorded on the documents it stores). */
  keyId: string;
  /** Validated records, booleans already as the standard's strings. */
  records: WorkRecordDocument[];
}

/** A referenced upload, checked once per request. */
interface CheckedReference {
  row: DocumentRow;
  wasPending: boolean;
  sha256: string;
  size: number;
  /** The object that was checked (pending uploads only). */
  version?: UploadVersion;
}

/** Applies a batch of records all or nothing; answers each record's outcome and how many were created. */
export async function submitWorkRecords(
  store: RecordSubmissionStore,
  { facilityId: facility, keyId, records }: RecordSubmission,
  now: () => number = Date.now,
): Promise<{ results: RecordResult[]; created: number }> {
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

  return retryOnConcurrentChange(async () => {
    const references = await checkReferences(
      store,
      facility,
      keyId,
      documents.map((d) => d.documents),
      checkedUploads,
    );
    const [existing, orders] = await Promise.all([
      store.loadRecords(
        facility,
        records.map((r) => r.workRecordIdentifier),
      ),
      store.loadOrders(
        facility,
        records.map((r) => r.workOrderIdentifier),
      ),
    ]);
    const plan = planRecordBatch(records, hashes, existing, orders, now());
    // Refuse an over-large transaction before any file is stored.
    const documentRows = new Set(
      plan.created.flatMap((i) => documents[i]!.documents.map((d) => (d.kind === 'reference' ? d.documentId : `${i}/${d.index}`))),
    );
    // What the new records add to the consumption aggregates, merged per item: counted in the
    // records' own transaction, so a record counts exactly once however often it is sent.
    const consumption = aggregateUpdates(facility, consumptionDeltas(plan.created.map((i) => records[i]!)));
    // What they dispensed moves stock in the same transaction, merged per balance (one ledger entry and one balance write each).
    const dispensed = dispensedMovements(plan.created.map((i) => ({ record: records[i]!, at: recordTime(records[i]!) ?? now() })));
    const balances =
      dispensed.size === 0
        ? new Map()
        : await store.loadBalances(
            facility,
            [...dispensed.values()].map((d) => d.key),
          );
    const stock = movementActions(facility, dispensed, balances);
    assertTransactionSize(
      plan.created.length + documentRows.size + plan.orderWrites.length + plan.earlyReports.size + consumption.length + stock.length,
    );

    const written: string[] = [];
    const items: TransactItem[] = [];
    const attached = new Set<string>();
    try {
      const stored = [];
      for (const index of plan.created) {
        const { record, refs, actions } = await storeDocuments(
          store,
          facility,
          keyId,
          records[index]!,
          documents[index]!.documents,
          references,
          written,
          now,
        );
        stored.push({ index, record, refs });
        items.push(...actions);
        for (const d of refs) attached.add(d.documentId);
      }
      enforceStoredSizes(
        stored.map((s) => s.record),
        POINTER,
        LIMITS,
      );
      // Stamped after the files are stored, right before the write: the stamp must not
      // be older than the settle delay by the time the write is visible to pollers.
      const receivedAt = now();
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
      items.push(...plan.orderWrites.map(orderPut), ...consumption, ...stock);
      for (const r of plan.earlyReports.values()) items.push(earlyReportUpdate(facility, r.agency, r.number, r.status));
      await store.transactWrite(dedupeDocumentActions(items));
    } catch (e) {
      // This attempt's files are referenced by nothing: remove them.
      await store.deleteObjectsQuietly(written);
      throw e;
    }
    // Attached uploads now live under documents/: drop the upload copies.
    const moved = [...references.values()].filter((r) => r.wasPending && attached.has(r.row.documentId));
    await store.deleteObjectsQuietly(moved.map((r) => uploadObjectKey(facility, r.row.documentId)));
    return { results: plan.results, created: plan.created.length };
  });
}

/**
 * Loads and checks every referenced direct upload once: it must be a document of this
 * facility, and an upload not yet attached must have been asked for by this key, be complete,
 * of its declared size and of its declared type by its bytes. Throws 400 naming each bad
 * reference by its path. Another key's pending upload is answered exactly as an unknown one:
 * a key learns nothing of uploads it did not ask for.
 */
async function checkReferences(
  store: RecordSubmissionStore,
  facility: string,
  keyId: string,
  perRecord: RecordDocument[][],
  checkedUploads: Map<string, UploadCheck & { ok: true }>,
): Promise<Map<string, CheckedReference>> {
  const refs = perRecord.flat().filter((d): d is Extract<RecordDocument, { kind: 'reference' }> => d.kind === 'reference');
  const checked = new Map<string, CheckedReference>();
  const errors: ErrorItem[] = [];
  for (const ref of refs) {
    if (checked.has(ref.documentId)) continue;
    const row = await store.getDocumentRow(facility, ref.documentId);
    if (!row || (row.status === 'pending' && row.keyId !== keyId)) {
      errors.push({ path: `${ref.path}/identifier`, message: `document ${ref.documentId} is not known at this facility` });
      continue;
    }
    if (row.status === 'stored') {
      checked.set(ref.documentId, { row, wasPending: false, sha256: row.sha256!, size: row.size });
      continue;
    }
    const result =
      checkedUploads.get(row.documentId) ??
      (await store.checkUpload(facility, row.documentId, row.size, (head) => bytesMatch(row.contentType, head)));
    if (!result.ok) {
      errors.push({ path: `${ref.path}/identifier`, message: `document ${ref.documentId} ${result.reason}` });
      continue;
    }
    checkedUploads.set(row.documentId, result);
    checked.set(ref.documentId, { row, wasPending: true, sha256: result.sha256, size: result.size, version: result.version });
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
  store: RecordSubmissionStore,
  facility: string,
  keyId: string,
  record: WorkRecordDocument,
  documents: RecordDocument[],
  references: Map<string, CheckedReference>,
  written: string[],
  now: () => number,
): Promise<{ record: WorkRecordDocument; refs: StoredDocumentRef[]; actions: TransactItem[] }> {
  const ids = new Map<number, string>();
  const refs: StoredDocumentRef[] = [];
  const actions: TransactItem[] = [];
  for (const doc of documents) {
    if (doc.kind === 'inline') {
      const documentId = newDocumentId();
      const sha256 = createHash('sha256').update(doc.bytes).digest('hex');
      written.push(documentObjectKey(facility, documentId));
      await store.putDocumentObject(facility, documentId, doc.bytes, doc.contentType, sha256);
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
        createdAt: new Date(now()).toISOString(),
        keyId,
      };
      actions.push(storedRowPut(row, false));
      ids.set(doc.index, documentId);
      refs.push(refOf(row));
    } else {
      const checked = references.get(doc.documentId)!;
      const documentType = record.associatedDocument?.[doc.index]?.documentType as string | undefined;
      if (checked.wasPending) {
        const copied = await store.attachUploadObject(facility, doc.documentId, checked.sha256, checked.version!);
        if (copied === 'changed') {
          // Re-posted after the check: what would be attached is not what was checked.
          throw conflict(
            `Upload ${doc.documentId} changed after the hub checked it; nothing in this request was applied. Upload the file again (ask for a new upload) and resubmit.`,
            [{ path: `${doc.path}/identifier`, message: `document ${doc.documentId} was replaced after it was checked` }],
          );
        }
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
    const key = transactItemKey(item);
    if (key === null || !isDocumentSk(key.sk)) return true;
    const id = `${key.pk}\0${key.sk}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
