/**
 * The documents that travel with a work record, as a submission (use-cases/submit-work-records.ts)
 * and a correction (use-cases/correct-work-records.ts) both store them: referenced direct
 * uploads checked once per request, inline bytes stored under a new document id, checked
 * uploads copied into place pinned to the object that was checked, and what the write does to
 * the documents' rows.
 */
import { createHash } from 'node:crypto';
import {
  bytesMatch,
  type DocumentRow,
  newDocumentId,
  type RecordDocument,
  type StoredDocumentRef,
  safeFileName,
  type UploadCheck,
  type UploadVersion,
  withDocumentReferences,
} from '../domain/bills-of-lading.ts';
import { conflict, type ErrorItem, invalidInput } from '../domain/errors.ts';
import type { DocumentChange, WorkRecordDocument } from '../domain/work-records.ts';

/** The document reads and writes of a record's submission or correction (store/document-store.ts; memory stores in unit tests). */
export interface RecordDocumentStore {
  getDocumentRow(facilityId: string, documentId: string): Promise<DocumentRow | null>;
  checkUpload(facilityId: string, documentId: string, declaredSize: number, accept: (head: Uint8Array) => boolean): Promise<UploadCheck>;
  /** Copies exactly the checked object into place; `changed` (nothing copied) when it was replaced since its check. */
  attachUploadObject(facilityId: string, documentId: string, sha256: string, version: UploadVersion): Promise<'attached' | 'changed'>;
  putDocumentObject(facilityId: string, documentId: string, bytes: Uint8Array, contentType: string, sha256: string): Promise<void>;
  /** Deletes stored files no row points at (this attempt's), never failing the request. */
  discardStoredFiles(facilityId: string, documentIds: readonly string[]): Promise<void>;
  /** Deletes the upload copies of uploads now attached, never failing the request. */
  discardUploads(facilityId: string, documentIds: readonly string[]): Promise<void>;
}

/** A referenced upload, checked once per request. */
export interface CheckedReference {
  row: DocumentRow;
  wasPending: boolean;
  sha256: string;
  size: number;
  /** The object that was checked (pending uploads only). */
  version?: UploadVersion;
}

/**
 * Loads and checks every referenced direct upload once: it must be a document of this
 * facility, and an upload not yet attached must have been asked for by this key, be complete,
 * of its declared size and of its declared type by its bytes. Throws 400 naming each bad
 * reference by its path. Another key's pending upload is answered exactly as an unknown one:
 * a key learns nothing of uploads it did not ask for.
 */
export async function checkReferences(
  store: RecordDocumentStore,
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
export async function storeDocuments(
  store: RecordDocumentStore,
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
