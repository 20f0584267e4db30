/**
 * The stores' side of a work-record correction or void (use-cases/correct-work-records.ts):
 * the record's reads, the document handling a submission uses too, and the one transaction of
 * a new revision (the superseded revision kept, the head at the next one only while it is still
 * at the revision read, the documents' rows). What the handlers wire into the use case.
 */
import type { RevisionWrite } from '../domain/record-revisions.ts';
import { retryOnConcurrentChange } from '../shared/retry.ts';
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
import { findRecords, recordHeadPut, recordRevisionPut, recordRevisions } from './record-store.ts';
import { transactWrite } from './transact.ts';

/** Writes one new revision of a record all or nothing; the head moved meanwhile, or the revision kept already: ConcurrentChangeError. */
export async function saveRevision({ facilityId, previous, next, documents }: RevisionWrite): Promise<void> {
  const { agency, number } = next.state;
  await transactWrite([
    ...documents.map((d) => (d.change === 'stored' ? storedRowPut(d.row, d.wasPending) : storedRowCheck(facilityId, d.documentId))),
    recordRevisionPut(facilityId, agency, number, previous),
    recordHeadPut(next, previous.revision),
  ]);
}

/** Every read and write a correction, a void or a record view needs, as the use case takes them. */
export const recordCorrectionStore = {
  getDocumentRow,
  checkUpload,
  attachUploadObject,
  putDocumentObject,
  discardStoredFiles,
  discardUploads,
  findRecords,
  recordRevisions,
  saveRevision,
  retryOnConcurrentChange,
};
