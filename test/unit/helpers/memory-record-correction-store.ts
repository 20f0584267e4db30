/**
 * A record correction's storage in memory (the port of functions/use-cases/correct-work-records.ts):
 * the documents of the record submission's in-memory store, record heads and their kept
 * revisions, with the conditions the real transaction (functions/store/record-correction-store.ts)
 * carries: a revision kept once, the head written only while it is at the revision read, document
 * rows as a submission's. Hooks for racing writers and failures; the figures derived, by call.
 */
import { identityKey } from '../../../functions/domain/documents.ts';
import { ConcurrentChangeError } from '../../../functions/domain/errors.ts';
import type { RecordHeadState, RecordRevision, RevisionWrite } from '../../../functions/domain/record-revisions.ts';
import { recordContentHash, type WorkRecordDocument } from '../../../functions/domain/work-records.ts';
import type { RecordCorrectionStore } from '../../../functions/use-cases/correct-work-records.ts';
import { memoryRecordStore } from './memory-record-store.ts';
import { meetHooks, type WriteHooks, writeHooks } from './write-hooks.ts';

type Identity = { agency: string; number: string };
const idOf = (i: Identity) => identityKey(i.agency, i.number);

export function memoryCorrectionStore() {
  const files = memoryRecordStore();
  const heads = new Map<string, RecordHeadState>();
  const revisions = new Map<string, RecordRevision[]>();

  const store = {
    files,
    heads,
    revisions,
    hooks: writeHooks() as WriteHooks,
    /** Every figures derivation asked for, in order. */
    derived: [] as Identity[][],
    /** Thrown (once) by the next derivation. */
    failDerive: null as Error | null,
    /** Every revision written, in order. */
    saves: [] as RevisionWrite[],

    /** A record as POST stores it (revision 1), or as stored before revisions existed (`legacy`: no keyId). */
    seed(
      facilityId: string,
      doc: WorkRecordDocument,
      at: number,
      options: { legacy?: boolean; documents?: RecordHeadState['documents'] } = {},
    ) {
      const { agency, number } = doc.workRecordIdentifier;
      const keyId = options.legacy ? null : 'k-created';
      const head: RecordHeadState = {
        facilityId,
        agency,
        number,
        contentHash: recordContentHash(doc),
        orderAgency: doc.workOrderIdentifier.agency,
        orderNumber: doc.workOrderIdentifier.number,
        orderMatched: true,
        receivedAt: at,
        doc: structuredClone(doc),
        documents: options.documents ?? [],
        revision: 1,
        recordStatus: 'active',
        history: [{ revision: 1, at: new Date(at).toISOString(), outcome: 'created', keyId, reason: null }],
        modifiedAt: at,
        keyId,
      };
      heads.set(idOf(head), head);
      return head;
    },

    getDocumentRow: files.getDocumentRow,
    checkUpload: files.checkUpload,
    attachUploadObject: files.attachUploadObject,
    putDocumentObject: files.putDocumentObject,
    discardStoredFiles: files.discardStoredFiles,
    discardUploads: files.discardUploads,
    async findRecords(_facilityId: string, number: string, agency?: string) {
      return [...heads.values()]
        .filter((h) => h.number === number && (agency === undefined || h.agency === agency))
        .map((h) => structuredClone(h));
    },
    async recordRevisions(_facilityId: string, agency: string, number: string) {
      return structuredClone(revisions.get(idOf({ agency, number })) ?? []);
    },
    async saveRevision(write: RevisionWrite) {
      meetHooks(store.hooks);
      const id = idOf(write.next.state);
      const head = heads.get(id);
      const kept = revisions.get(id) ?? [];
      // Every condition of the transaction, before anything is written.
      if (!head || head.revision !== write.previous.revision) throw new ConcurrentChangeError();
      if (kept.some((r) => r.revision === write.previous.revision)) throw new ConcurrentChangeError();
      for (const d of write.documents) {
        const row = files.rows.get(d.change === 'stored' ? d.row.documentId : d.documentId);
        if (d.change === 'referenced' ? row?.status !== 'stored' : d.wasPending ? row?.status !== 'pending' : row !== undefined) {
          throw new ConcurrentChangeError();
        }
      }
      for (const d of write.documents)
        if (d.change === 'stored') files.rows.set(d.row.documentId, { ...structuredClone(d.row), status: 'stored' });
      revisions.set(id, [...kept, structuredClone(write.previous)]);
      const { next } = structuredClone(write);
      heads.set(id, {
        ...next.state,
        doc: next.doc,
        ...(next.extras ? { extras: next.extras } : {}),
        documents: next.documents,
        revision: next.revision,
        recordStatus: next.recordStatus,
        history: [...next.history],
        modifiedAt: next.modifiedAt,
        keyId: next.keyId,
      });
      store.saves.push(write);
    },
    retryOnConcurrentChange: files.retryOnConcurrentChange,
    async deriveFigures(_facilityId: string, identities: readonly Identity[]) {
      const failure = store.failDerive;
      store.failDerive = null;
      if (failure) throw failure;
      store.derived.push([...identities]);
    },
  };
  return store satisfies RecordCorrectionStore;
}
