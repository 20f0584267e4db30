/**
 * A record submission's storage in memory (the port of functions/use-cases/submit-work-records.ts):
 * document rows and an object store without versions, records, and the orders and stock of the
 * shared in-memory stores and the derive engine's memory store (its figures), with the
 * conditions the real transaction (functions/store/record-submission-store.ts) carries: a
 * record written once, a document row attached only while pending, the size of one atomic
 * write. Hooks for racing writers and storage failures.
 */
import { createHash } from 'node:crypto';
import type { DocumentRow, StoredDocumentRef, UploadVersion } from '../../../functions/domain/bills-of-lading.ts';
import { identityKey } from '../../../functions/domain/documents.ts';
import { ConcurrentChangeError } from '../../../functions/domain/errors.ts';
import type { NewRecord, RecordBatchWrite, RecordState } from '../../../functions/domain/work-records.ts';
import { retryOnConcurrentChange } from '../../../functions/shared/retry.ts';
import { checkRecordBatchSize, recordBatchItems } from '../../../functions/store/record-submission-store.ts';
import { assertTransactionSize } from '../../../functions/store/transact.ts';
import type { RecordSubmissionStore } from '../../../functions/use-cases/submit-work-records.ts';
import { memoryDerivedStore } from './memory-derived-store.ts';
import { memoryOrderStore } from './memory-order-store.ts';
import { memoryStockStore } from './memory-stock-store.ts';
import { meetHooks, type WriteHooks } from './write-hooks.ts';

type Identity = { agency: string; number: string };
const idOf = (i: Identity) => identityKey(i.agency, i.number);

/** The ETag an object store gives these bytes (MD5, quoted). */
export const etagOf = (bytes: Uint8Array) => `"${createHash('md5').update(bytes).digest('hex')}"`;

export function memoryRecordStore() {
  const orderStore = memoryOrderStore();
  const stockStore = memoryStockStore();
  const derived = memoryDerivedStore(orderStore, stockStore);
  const records = new Map<string, NewRecord>();
  const rows = new Map<string, DocumentRow>();
  /** Attached documents' objects, by S3-like key `documents/{facility}/{documentId}`. */
  const objects = new Map<string, { bytes: Uint8Array; sha256: string }>();
  /** Direct uploads' objects, by document id (an object store without versions: a re-post replaces the bytes). */
  const uploads = new Map<string, { bytes: Uint8Array; etag: string }>();

  const store = {
    orders: orderStore,
    stock: stockStore,
    records,
    rows,
    objects,
    uploads,
    hooks: { race: null, loseNext: 0, failNext: null } as WriteHooks,
    /** Thrown by the next file put (S3 failing). */
    failPut: null as Error | null,
    /** Every batch written, in order (empty ones too: the real store writes nothing for them). */
    saves: [] as RecordBatchWrite[],
    /** Every object key deleted, in order. */
    deleted: [] as string[],
    /** Every copy of an upload into place, with the ETag it was pinned to. */
    copies: [] as { documentId: string; etag: string }[],

    /** A pending direct upload asked for by `keyId`, with its bytes already posted. */
    addPendingUpload(row: Omit<DocumentRow, 'status' | 'size'>, bytes: Uint8Array) {
      rows.set(row.documentId, { ...row, status: 'pending', size: bytes.length });
      uploads.set(row.documentId, { bytes, etag: etagOf(bytes) });
    },

    async getDocumentRow(_facility: string, documentId: string) {
      const row = rows.get(documentId);
      return row ? structuredClone(row) : null;
    },
    async checkUpload(_facility: string, documentId: string, declaredSize: number, accept: (head: Uint8Array) => boolean) {
      const object = uploads.get(documentId);
      if (!object) return { ok: false as const, reason: 'has not been uploaded' };
      if (object.bytes.length !== declaredSize) return { ok: false as const, reason: 'has another size' };
      if (!accept(object.bytes.subarray(0, 16))) return { ok: false as const, reason: 'is of another type' };
      const sha256 = createHash('sha256').update(object.bytes).digest('hex');
      return { ok: true as const, size: object.bytes.length, sha256, version: { etag: object.etag } };
    },
    /** As S3's copy with CopySourceIfMatch: `changed` when the object is no longer the one checked; gone → a racing request attached it. */
    async attachUploadObject(facility: string, documentId: string, sha256: string, version: UploadVersion) {
      store.copies.push({ documentId, etag: version.etag });
      const object = uploads.get(documentId);
      if (!object) throw new ConcurrentChangeError();
      if (object.etag !== version.etag) return 'changed' as const;
      objects.set(`documents/${facility}/${documentId}`, { bytes: object.bytes, sha256 });
      return 'attached' as const;
    },
    async putDocumentObject(facility: string, documentId: string, bytes: Uint8Array, _contentType: string, sha256: string) {
      const failure = store.failPut;
      store.failPut = null;
      if (failure) throw failure;
      objects.set(`documents/${facility}/${documentId}`, { bytes, sha256 });
    },
    async discardStoredFiles(facility: string, documentIds: readonly string[]) {
      for (const id of documentIds) {
        store.deleted.push(`documents/${facility}/${id}`);
        objects.delete(`documents/${facility}/${id}`);
      }
    },
    async discardUploads(facility: string, documentIds: readonly string[]) {
      for (const id of documentIds) {
        store.deleted.push(`uploads/${facility}/${id}`);
        uploads.delete(id);
      }
    },
    async loadRecords(_facility: string, ids: readonly Identity[]) {
      const out = new Map<string, RecordState & { documents: StoredDocumentRef[] }>();
      for (const i of ids) {
        const r = records.get(idOf(i));
        if (r) out.set(idOf(i), structuredClone({ ...r.state, documents: r.documents }));
      }
      return out;
    },
    loadOrders: orderStore.loadOrders,
    checkSize: checkRecordBatchSize,
    async save(batch: RecordBatchWrite) {
      meetHooks(store.hooks);
      assertTransactionSize(
        recordBatchItems({ records: batch.records.length, documents: batch.documents.length, figures: { consumption: 0, stock: 0 } }),
      );
      // Every condition of the transaction, before anything is written.
      const lost = () => new ConcurrentChangeError();
      for (const r of batch.records) if (records.has(idOf(r.state))) throw lost();
      for (const d of batch.documents) {
        const row = rows.get(d.change === 'stored' ? d.row.documentId : d.documentId);
        if (d.change === 'referenced' ? row?.status !== 'stored' : d.wasPending ? row?.status !== 'pending' : row !== undefined) {
          throw lost();
        }
      }

      for (const d of batch.documents)
        if (d.change === 'stored') rows.set(d.row.documentId, { ...structuredClone(d.row), status: 'stored' });
      for (const r of batch.records) {
        records.set(idOf(r.state), structuredClone(r));
        // The record head the derive engine reads: revision 1, counted by nothing yet.
        derived.putHead({
          agency: r.state.agency,
          number: r.state.number,
          doc: structuredClone(r.doc),
          voided: false,
          receivedAt: r.state.receivedAt,
          revision: 1,
          aggregated: false,
        });
      }
      store.saves.push(batch);
    },
    retryOnConcurrentChange,
    derived,
  };
  return store satisfies RecordSubmissionStore;
}
