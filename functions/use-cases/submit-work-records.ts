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
import { readRecordDocuments, rejectDocumentErrors, type UploadCheck } from '../domain/bills-of-lading.ts';
import { enforceStoredSizes } from '../domain/documents.ts';
import type { Extras } from '../domain/legacy-form.ts';
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
import { checkReferences, type RecordDocumentStore, storeDocuments } from './record-documents.ts';

const POINTER = '/dispensingWorkRecord';

type Identity = { agency: string; number: string };

/**
 * The reads and writes this use case makes, in the domain's terms (store/record-submission-store.ts
 * on AWS and locally; test/unit/helpers/memory-record-store.ts in unit tests).
 */
export interface RecordSubmissionStore extends RecordDocumentStore {
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
  /** `extras[i]`: what record i sent in the older form that the canonical form cannot hold; kept with it, part of its content. */
  extras?: readonly (Extras | undefined)[] | undefined;
  /**
   * Until when (epoch ms) the request may derive the stored records' figures itself; what is not
   * derived by then the stream derives. @default no limit
   */
  deriveUntil?: number;
}

/** Applies a batch of records all or nothing; answers each record's outcome and how many were created. */
export async function submitWorkRecords(
  store: RecordSubmissionStore,
  { facilityId: facility, keyId, records, extras, deriveUntil }: RecordSubmission,
  now: () => number = Date.now,
): Promise<{ results: RecordResult[]; created: number }> {
  const hashes = records.map((r, i) => recordContentHash(r, extras?.[i]));

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
      // Each record's item holds its extras too.
      enforceStoredSizes(
        stored.map((s) => (extras?.[s.index] ? [s.record, extras[s.index]] : s.record)),
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
        const kept = extras?.[index];
        return { state, doc: record, ...(kept?.length ? { extras: kept } : {}), documents: refs, keyId };
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
    deriveUntil,
  );
  return outcome;
}

/**
 * The records are stored (the answer is theirs): their figures are derived now, best effort.
 * Races are retried a few times with jittered backoff, until the deadline; what is left, or any
 * failure, is left to the stream's recordDerive function, never failing the request.
 */
async function deriveAfterSubmission(
  derived: DerivedFiguresStore,
  facilityId: string,
  identities: readonly { agency: string; number: string }[],
  deadline: number | undefined,
): Promise<void> {
  try {
    const { pending } = await deriveRecords(derived, facilityId, identities, deadline === undefined ? {} : { deadline });
    if (pending > 0) logger.info('derived figures left to the stream', { pending });
  } catch (e) {
    logger.warn('deriving figures failed; the stream derives them', { error: (e as Error).message });
  }
}
