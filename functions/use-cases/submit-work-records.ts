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
  type DocumentRow,
  newDocumentId,
  type RecordDocument,
  readRecordDocuments,
  rejectDocumentErrors,
  type StoredDocumentRef,
  safeFileName,
  type UploadCheck,
  type UploadVersion,
  withDocumentReferences,
} from '../domain/bills-of-lading.ts';
import { enforceStoredSizes } from '../domain/documents.ts';
import { conflict, type ErrorItem, invalidInput } from '../domain/errors.ts';
import { consumptionDiff, recordFigures, stockDiff } from '../domain/record-figures.ts';
import type { OrderState } from '../domain/work-orders.ts';
import {
  type DocumentChange,
  type NewRecord,
  planRecordBatch,
  type RecordBatchCounts,
  type RecordBatchWrite,
  type RecordResult,
  type RecordState,
  recordContentHash,
  type WorkRecordDocument,
} from '../domain/work-records.ts';
import { LIMITS } from '../shared/config.ts';
import { logger } from '../shared/logger.ts';
import { type DerivedFiguresStore, deriveRecords } from './derive-records.ts';

const POINTER = '/dispensingWorkRecord';

type Identity = { agency: string; number: string };

/**
 * The reads and writes this use case makes, in the domain's terms (store/record-submission-store.ts
 * on AWS and locally; test/unit/helpers/memory-record-store.ts in unit tests).
 */
export interface RecordSubmissionStore {
  getDocumentRow(facilityId: string, documentId: string): Promise<DocumentRow | null>;
  checkUpload(facilityId: string, documentId: string, declaredSize: number, accept: (head: Uint8Array) => boolean): Promise<UploadCheck>;
  /** Copies exactly the checked object into place; `changed` (nothing copied) when it was replaced since its check. */
  attachUploadObject(facilityId: string, documentId: string, sha256: string, version: UploadVersion): Promise<'attached' | 'changed'>;
  putDocumentObject(facilityId: string, documentId: string, bytes: Uint8Array, contentType: string, sha256: string): Promise<void>;
  /** Deletes stored files no row points at (this attempt's), never failing the request. */
  discardStoredFiles(facilityId: string, documentIds: readonly string[]): Promise<void>;
  /** Deletes the upload copies of uploads now attached, never failing the request. */
  discardUploads(facilityId: string, documentIds: readonly string[]): Promise<void>;
  /** The stored records among these identities, by identityKey. */
  loadRecords(facilityId: string, identities: readonly Identity[]): Promise<ReadonlyMap<string, RecordState>>;
  /** The orders among these identities (strongly consistent), by identityKey. */
  loadOrders(facilityId: string, identities: readonly Identity[]): Promise<Map<string, OrderState>>;
  /** Throws StorageError 'too-many-writes' when a batch of these counts cannot be written at once. */
  checkSize(counts: RecordBatchCounts): void;
  /** Writes the batch all or nothing; a lost race throws the error `retryOnConcurrentChange` retries on. */
  save(batch: RecordBatchWrite): Promise<void>;
  /** Runs a read-decide-write round again while it loses races; gives up with StorageError 'kept-changing'. */
  retryOnConcurrentChange<T>(round: (attempt: number) => Promise<T>): Promise<T>;
  /** Where the records' derived figures (order status, consumption, stock) are brought up to date once they are stored. */
  derived: DerivedFiguresStore;
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

  const outcome = await store.retryOnConcurrentChange(async () => {
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
    // Each new record's figures must fit one derive step (its order, aggregates and balances at once).
    let figures = { consumption: 0, stock: 0 };
    for (const i of plan.created) {
      const step = [
        {
          agency: '',
          number: '',
          counted: null,
          latest: recordFigures({ agency: '', number: '', doc: records[i]!, voided: false, receivedAt: now() }),
        },
      ];
      const one = { consumption: consumptionDiff(step).length, stock: stockDiff(step).size };
      if (one.consumption + one.stock * 2 > figures.consumption + figures.stock * 2) figures = one;
    }
    store.checkSize({ records: plan.created.length, documents: documentRows.size, figures });

    const written: string[] = [];
    const documentChanges = new Map<string, DocumentChange>();
    try {
      const stored = [];
      for (const index of plan.created) {
        const { record, refs, changes } = await storeDocuments(
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
        // One change per document row: the same upload named by two records of a batch is attached once.
        for (const change of changes) {
          const id = change.change === 'stored' ? change.row.documentId : change.documentId;
          if (!documentChanges.has(id)) documentChanges.set(id, change);
        }
      }
      enforceStoredSizes(
        stored.map((s) => s.record),
        POINTER,
        LIMITS,
      );
      // Stamped after the files are stored, right before the write: the stamp must not
      // be older than the settle delay by the time the write is visible to pollers.
      const receivedAt = now();
      const newRecords: NewRecord[] = stored.map(({ index, record, refs }) => {
        const submitted = records[index]!;
        const { agency, number } = submitted.workRecordIdentifier;
        const order = submitted.workOrderIdentifier;
        const state: RecordState = {
          facilityId: facility,
          agency,
          number,
          contentHash: hashes[index]!,
          orderAgency: order.agency,
          orderNumber: order.number,
          orderMatched: plan.results[index]!.orderMatched,
          receivedAt,
        };
        return { state, doc: record, documents: refs };
      });
      await store.save({ facilityId: facility, records: newRecords, documents: [...documentChanges.values()] });
    } catch (e) {
      // This attempt's files are referenced by nothing: remove them.
      await store.discardStoredFiles(facility, written);
      throw e;
    }
    // Attached uploads now live among the documents: drop the upload copies.
    const moved = [...references.values()].filter((r) => r.wasPending && documentChanges.has(r.row.documentId));
    await store.discardUploads(
      facility,
      moved.map((r) => r.row.documentId),
    );
    return { results: plan.results, created: plan.created.length };
  });
  await deriveAfterSubmission(
    store.derived,
    facility,
    records.map((r) => r.workRecordIdentifier),
  );
  return outcome;
}

/**
 * The records are stored (the answer is theirs): their figures are derived now, best effort.
 * Races are retried a few times with jittered backoff; what is left, or any failure, is left to
 * the stream's recordDerive function, never failing the request.
 */
async function deriveAfterSubmission(
  derived: DerivedFiguresStore,
  facilityId: string,
  identities: readonly { agency: string; number: string }[],
): Promise<void> {
  try {
    const { pending } = await deriveRecords(derived, facilityId, identities);
    if (pending > 0) logger.info('derived figures left to the stream', { pending });
  } catch (e) {
    logger.warn('deriving figures failed; the stream derives them', { error: (e as Error).message });
  }
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
 * instead of bytes), the document list, and what the transaction does to the documents' rows.
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
): Promise<{ record: WorkRecordDocument; refs: StoredDocumentRef[]; changes: DocumentChange[] }> {
  const ids = new Map<number, string>();
  const refs: StoredDocumentRef[] = [];
  const changes: DocumentChange[] = [];
  for (const doc of documents) {
    if (doc.kind === 'inline') {
      const documentId = newDocumentId();
      const sha256 = createHash('sha256').update(doc.bytes).digest('hex');
      written.push(documentId);
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
      changes.push({ change: 'stored', row, wasPending: false });
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
        changes.push({ change: 'stored', row, wasPending: true });
        refs.push(refOf(row));
      } else {
        changes.push({ change: 'referenced', documentId: doc.documentId });
        refs.push(refOf(checked.row));
      }
    }
  }
  return { record: withDocumentReferences(record, ids), refs, changes };
}

const refOf = (row: DocumentRow): StoredDocumentRef => ({
  documentId: row.documentId,
  fileName: row.fileName,
  contentType: row.contentType,
  size: row.size,
  sha256: row.sha256!,
  ...(row.documentType ? { documentType: row.documentType } : {}),
});
