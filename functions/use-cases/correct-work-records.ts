/**
 * Use case: work-record corrections and voids (API.md, "Work-record corrections and voids"),
 * and the one-record view with its audit trail. A record is never edited in place: a
 * correction writes the superseded revision as an immutable item and the head at the next
 * revision in one transaction, conditioned on the head still being at the revision read, so
 * of two racing corrections one wins and the other reads again and decides again (identical
 * → unchanged; with If-Match, stale → 412). Bills of Lading of a correction are stored as a
 * submission stores them (use-cases/record-documents.ts); earlier revisions' stay.
 * The figures a record moves (order status, consumption, stock) are derived after the write
 * by the `deriveFigures` port, best effort: the derived-figures engine converges from the
 * table's change stream whatever happens here.
 */
import { readRecordDocuments, rejectDocumentErrors, type StoredDocumentRef, type UploadCheck } from '../domain/bills-of-lading.ts';
import { enforceStoredSizes } from '../domain/documents.ts';
import { conflict, invalidInput, notFound } from '../domain/errors.ts';
import type { Extras } from '../domain/legacy-form.ts';
import {
  checkVoidReason,
  nextRevision,
  planCorrection,
  type RecordHeadState,
  type RecordHistoryEntry,
  type RecordRevision,
  type RecordStatus,
  type RevisionWrite,
  voidedRecord,
} from '../domain/record-revisions.ts';
import { type DocumentChange, recordContentHash, type WorkRecordDocument } from '../domain/work-records.ts';
import { LIMITS } from '../shared/config.ts';
import { type DerivedFiguresStore, deriveRecords } from './derive-records.ts';
import { checkReferences, type RecordDocumentStore, storeDocuments } from './record-documents.ts';

type Identity = { agency: string; number: string };

/** What a record view and a correction read (store/record-store.ts; test/unit/helpers/memory-record-store.ts). */
export interface RecordReadStore {
  /** The records of a facility with this number (every agency, or the one given), strongly consistent. */
  findRecords(facilityId: string, number: string, agency?: string): Promise<RecordHeadState[]>;
  /** A record's superseded revisions, oldest first. */
  recordRevisions(facilityId: string, agency: string, number: string): Promise<RecordRevision[]>;
}

/** The correction store with its figures derived by the engine (use-cases/derive-records.ts) on this store. */
export function withDerivedFigures(
  store: Omit<RecordCorrectionStore, 'deriveFigures'>,
  derived: DerivedFiguresStore,
): RecordCorrectionStore {
  return { ...store, deriveFigures: (facilityId, identities) => deriveRecords(derived, facilityId, identities) };
}

/** The reads and writes of a correction or a void. */
export interface RecordCorrectionStore extends RecordDocumentStore, RecordReadStore {
  /** Writes the revision all or nothing; a lost race (the head moved meanwhile) throws the error `retryOnConcurrentChange` retries on. */
  saveRevision(write: RevisionWrite): Promise<void>;
  /** Runs a read-decide-write round again while it loses races; gives up with StorageError 'kept-changing'. */
  retryOnConcurrentChange<T>(round: (attempt: number) => Promise<T>): Promise<T>;
  /** Moves the figures these records derive to their latest revisions (idempotent per record revision). */
  deriveFigures(facilityId: string, identities: readonly Identity[]): Promise<unknown>;
}

export interface CorrectionResult {
  index: 0;
  workRecordNumber: string;
  agency: string;
  outcome: 'corrected' | 'unchanged';
  revision: number;
}

export interface VoidResult {
  workRecordNumber: string;
  agency: string;
  outcome: 'voided' | 'unchanged';
  revision: number;
}

/** The one record with this number (and agency): 404 when unknown, 409 when agencies share the number. */
async function findOneRecord(store: RecordReadStore, facilityId: string, number: string, agency?: string): Promise<RecordHeadState> {
  const found = await store.findRecords(facilityId, number, agency);
  if (found.length === 0) throw notFound(`No work record ${number}${agency ? ` (${agency})` : ''} at facility ${facilityId}.`);
  if (found.length > 1) {
    throw conflict(`${found.length} agencies use work record number ${number} at this facility; add ?agency= to choose one.`, [
      ...found.map((r) => ({ path: '/queryStringParameters/agency', message: `candidate: ${r.agency}` })),
    ]);
  }
  return found[0]!;
}

/** Derives the figures of a record just written, never failing the request (the change stream converges them). */
async function deriveBestEffort(store: RecordCorrectionStore, facilityId: string, identity: Identity, warn: (e: unknown) => void) {
  try {
    await store.deriveFigures(facilityId, [identity]);
  } catch (e) {
    warn(e);
  }
}

export interface CorrectionRequest {
  facilityId: string;
  /** The key correcting (the history names it, as do the documents it stores). */
  keyId: string;
  /** The whole record, validated, booleans as the standard's strings. */
  document: WorkRecordDocument;
  /** What it sent in the older form that the canonical form cannot hold: part of its content, kept with the revision. */
  extras?: Extras | undefined;
  /** The path's workRecordNumber and `?agency=`. */
  pathNumber: string;
  agencyParam?: string | undefined;
  /** `If-Match` as parsed (domain/record-revisions.ts parseIfMatch). */
  ifMatch: number | '*' | null;
}

/**
 * Corrects one record: a new revision (`corrected`), identical to the latest → `unchanged`,
 * unknown → 404, identity other than the URL's → 400, If-Match stale → 412.
 */
export async function correctWorkRecord(
  store: RecordCorrectionStore,
  request: CorrectionRequest,
  now: () => number = Date.now,
  warn: (e: unknown) => void = () => {},
): Promise<CorrectionResult> {
  const { facilityId, keyId, document, extras, pathNumber, agencyParam, ifMatch } = request;
  const { agency, number } = document.workRecordIdentifier;
  if (number !== pathNumber) {
    throw invalidInput(`The document's work record number ${number} is not the number of the URL, ${pathNumber}.`, [
      { path: '/workRecordIdentifier/number', message: `must equal the path's workRecordNumber (${pathNumber})` },
    ]);
  }
  if (agencyParam !== undefined && agencyParam !== agency) {
    throw invalidInput(`?agency=${agencyParam} is not the document's agency, ${agency}.`, [
      { path: '/queryStringParameters/agency', message: `must equal the document's agency (${agency})` },
    ]);
  }
  const hash = recordContentHash(document, extras);
  const files = readRecordDocuments(document, '');
  rejectDocumentErrors(files.errors, files.tooLarge);
  const checkedUploads = new Map<string, UploadCheck & { ok: true }>();

  const result = await store.retryOnConcurrentChange(async (): Promise<CorrectionResult> => {
    const [head] = await store.findRecords(facilityId, number, agency);
    if (!head)
      throw notFound(
        `No work record ${number} (${agency}) at facility ${facilityId}; records are created by POST .../dispensingWorkRecords.`,
      );
    const plan = planCorrection(head, document, hash, ifMatch);
    if (plan.outcome === 'unchanged') return { index: 0, workRecordNumber: number, agency, outcome: 'unchanged', revision: plan.revision };

    const references = await checkReferences(store, facilityId, keyId, [files.documents], checkedUploads);
    const written: string[] = [];
    let changes: DocumentChange[];
    try {
      const stored = await storeDocuments(store, facilityId, keyId, document, files.documents, references, written, now);
      changes = stored.changes;
      enforceStoredSizes([extras ? [stored.record, extras] : stored.record], '', LIMITS);
      // Stamped right before the write: its changes-index position must not be older than the settle delay once visible.
      const write = nextRevision(
        head,
        { doc: stored.record, extras, contentHash: hash, documents: stored.refs, outcome: 'corrected', reason: null, keyId, at: now() },
        changes,
      );
      await store.saveRevision(write);
    } catch (e) {
      await store.discardStoredFiles(facilityId, written);
      throw e;
    }
    const moved = [...references.values()].filter(
      (r) => r.wasPending && changes.some((c) => c.change === 'stored' && c.row.documentId === r.row.documentId),
    );
    await store.discardUploads(
      facilityId,
      moved.map((r) => r.row.documentId),
    );
    return { index: 0, workRecordNumber: number, agency, outcome: 'corrected', revision: plan.revision };
  });
  if (result.outcome === 'corrected') await deriveBestEffort(store, facilityId, { agency, number }, warn);
  return result;
}

/**
 * Voids one record: a new revision whose every actual quantity is 0, with a comment saying
 * why (domain/record-revisions.ts voidedRecord); already voided → `unchanged`.
 */
export async function voidWorkRecord(
  store: RecordCorrectionStore,
  request: { facilityId: string; keyId: string; number: string; agency?: string | undefined; reason: string },
  now: () => number = Date.now,
  warn: (e: unknown) => void = () => {},
): Promise<VoidResult> {
  const { facilityId, keyId, number } = request;
  const reason = checkVoidReason(request.reason);
  const { agency } = await findOneRecord(store, facilityId, number, request.agency);
  const result = await store.retryOnConcurrentChange(async (): Promise<VoidResult> => {
    const [head] = await store.findRecords(facilityId, number, agency);
    if (!head) throw notFound(`No work record ${number} (${agency}) at facility ${facilityId}.`);
    if (head.recordStatus === 'voided') return { workRecordNumber: number, agency, outcome: 'unchanged', revision: head.revision };
    const doc = voidedRecord(head.doc, reason);
    await store.saveRevision(
      nextRevision(head, {
        doc,
        // A void changes quantities only: what the canonical form cannot hold stays as it was.
        extras: head.extras,
        contentHash: recordContentHash(doc, head.extras),
        // The voided revision lists the documents its record names: they stay with it.
        documents: head.documents,
        outcome: 'voided',
        reason,
        keyId,
        at: now(),
      }),
    );
    return { workRecordNumber: number, agency, outcome: 'voided', revision: head.revision + 1 };
  });
  if (result.outcome === 'voided') await deriveBestEffort(store, facilityId, { agency, number }, warn);
  return result;
}

/** One record as GET answers it (API.md): a revision's document, the record's state and its audit trail. */
export interface RecordView {
  workRecord: WorkRecordDocument;
  revision: number;
  latestRevision: number;
  status: RecordStatus;
  orderMatched: boolean;
  history: RecordHistoryEntry[];
  documents: (StoredDocumentRef & { revision: number; href: string })[];
}

/**
 * One record in its latest revision, or in revision `revision` (404 past the latest), with the
 * stored documents of every revision (the latest revision's first, each once, with the latest
 * revision that lists it).
 */
export async function getWorkRecord(
  store: RecordReadStore,
  request: { facilityId: string; number: string; agency?: string | undefined; revision?: number | undefined },
): Promise<RecordView> {
  const { facilityId, number, revision } = request;
  const head = await findOneRecord(store, facilityId, number, request.agency);
  if (revision !== undefined && revision > head.revision) {
    throw notFound(
      `Work record ${number} (${head.agency}) has ${head.revision} revision${head.revision === 1 ? '' : 's'}; there is no revision ${revision}.`,
      [{ path: '/queryStringParameters/revision', message: `at most ${head.revision}` }],
    );
  }
  const earlier = head.revision > 1 ? await store.recordRevisions(facilityId, head.agency, number) : [];
  const asked = revision === undefined || revision === head.revision ? head : earlier.find((r) => r.revision === revision);
  if (!asked) throw notFound(`Revision ${revision} of work record ${number} (${head.agency}) is not stored.`);
  const base = `/facility/${facilityId}/documents/`;
  const documents: RecordView['documents'] = [];
  const seen = new Set<string>();
  const lists = [{ revision: head.revision, documents: head.documents }, ...[...earlier].reverse()];
  for (const list of lists) {
    for (const d of list.documents) {
      if (seen.has(d.documentId)) continue;
      seen.add(d.documentId);
      documents.push({ ...d, revision: list.revision, href: base + d.documentId });
    }
  }
  return {
    workRecord: asked.doc,
    revision: revision ?? head.revision,
    latestRevision: head.revision,
    status: head.recordStatus,
    orderMatched: head.orderMatched,
    history: head.history,
    documents,
  };
}
