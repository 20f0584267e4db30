/**
 * Work-record corrections and voids: a record is never edited in place, a correction is a new
 * revision of it (API.md, "Work-record corrections and voids"). What a void does to a record,
 * how a correction is decided against the latest revision, and the audit trail. Pure: no I/O.
 */
import type { RecordContainer, RecordProduct, RecordProductGroup } from '../generated/documents.ts';
import type { StoredDocumentRef } from './bills-of-lading.ts';
import { HUB_DOCUMENT_AGENCY } from './bills-of-lading.ts';
import { HubError, invalidInput } from './errors.ts';
import type { Extras } from './legacy-form.ts';
import { type DocumentChange, type NewRecord, type RecordState, recordContentHash, type WorkRecordDocument } from './work-records.ts';

/** A record's state: `voided` after a void, until a correction makes it active again. */
export type RecordStatus = 'active' | 'voided';

/** What made a revision. */
export type RevisionOutcome = 'created' | 'corrected' | 'voided';

/** One line of a record's audit trail. */
export interface RecordHistoryEntry {
  revision: number;
  /** When the hub stored the revision (ISO 8601, ms, UTC). */
  at: string;
  outcome: RevisionOutcome;
  /** The key that sent it; null for records stored before the hub kept it. */
  keyId: string | null;
  /** A void's reason; null otherwise. */
  reason: string | null;
}

/**
 * The comment a void adds: its type (the standard's code list has no "void"; the Bill of Lading
 * comment is what a printed ticket shows) and the identifier that marks it as the hub's.
 * Code 0 and agency 4 in the integer form; both forms carry it unchanged.
 */
export const VOID_COMMENT = {
  commentType: 'BolComment',
  identifier: { agency: HUB_DOCUMENT_AGENCY, number: 'MIXTICKET-VOID' },
} as const;

/** The comment text of a void. */
export const voidCommentText = (reason: string): string => `Voided: ${reason}`;

/** Most characters of a void's reason (API.md). */
export const MAX_VOID_REASON = 500;

const zero = <T extends { value: number }>(q: T): T => ({ ...q, value: 0 });
const zeroContainer = (c: RecordContainer): RecordContainer => (c.actualQuantity ? { ...c, actualQuantity: zero(c.actualQuantity) } : c);
const zeroProduct = (p: RecordProduct): RecordProduct => ({
  ...p,
  actualQuantity: zero(p.actualQuantity),
  ...(p.sourceContainer ? { sourceContainer: p.sourceContainer.map(zeroContainer) } : {}),
});
const zeroGroup = (g: RecordProductGroup): RecordProductGroup => ({
  ...g,
  ...(g.actualQuantity ? { actualQuantity: zero(g.actualQuantity) } : {}),
  ...(g.destinationContainer ? { destinationContainer: g.destinationContainer.map(zeroContainer) } : {}),
  product: g.product.map(zeroProduct),
});

/**
 * The record as voided: every actualQuantity (product groups, their products, source and
 * destination containers) is 0 in its own unit, and a comment says it was voided and why
 * (an earlier void comment is replaced, so a void of a record corrected after a void says one reason).
 */
export function voidedRecord(record: WorkRecordDocument, reason: string): WorkRecordDocument {
  const comments = (record.comments ?? []).filter((c) => !isVoidComment(c));
  return {
    ...record,
    productGroup: record.productGroup.map(zeroGroup),
    comments: [
      ...comments,
      { identifier: [{ ...VOID_COMMENT.identifier }], commentType: VOID_COMMENT.commentType, comment: voidCommentText(reason) },
    ],
  };
}

const isVoidComment = (c: { identifier: { agency: string; number: string }[] }): boolean =>
  c.identifier.some((i) => i.agency === VOID_COMMENT.identifier.agency && i.number === VOID_COMMENT.identifier.number);

/** A void's reason, checked: 1–500 characters of text that is not only blanks. */
export function checkVoidReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed.length === 0 || [...reason].length > MAX_VOID_REASON) {
    throw invalidInput(`A void needs a reason of 1 to ${MAX_VOID_REASON} characters.`, [
      { path: '/reason', message: `must be 1 to ${MAX_VOID_REASON} characters` },
    ]);
  }
  return trimmed;
}

/** The latest revision of a record as the decision needs it. */
export interface RecordHead {
  revision: number;
  recordStatus: RecordStatus;
  contentHash: string;
  doc: WorkRecordDocument;
  /** What the canonical form cannot hold of the revision as sent in the older form. */
  extras?: Extras;
  orderAgency: string;
  orderNumber: string;
}

/** A record's head as stored: its latest revision with the hub's state of it. */
export interface RecordHeadState extends RecordState, RecordHead {
  documents: StoredDocumentRef[];
  /** The audit trail, oldest first. */
  history: RecordHistoryEntry[];
  /** When the latest revision was stored (receivedAt until a correction). */
  modifiedAt: number;
  /** The key that sent the latest revision; null for records stored before the hub kept it. */
  keyId: string | null;
  /**
   * Stored before the derive engine: the transaction that created it counted revision 1's figures
   * (the `aggregated` mark). Kept across corrections, so the engine reverses what was counted.
   */
  countedAtCreation?: boolean;
}

/** A record's head as written: a new record, or the latest revision of a corrected one. */
export interface RecordHeadWrite extends Omit<NewRecord, 'keyId'> {
  revision: number;
  recordStatus: RecordStatus;
  history: readonly RecordHistoryEntry[];
  /** When this revision was stored: its changes-index position (the ERP's poll serves it from then). */
  modifiedAt: number;
  keyId: string | null;
  /** See RecordHeadState.countedAtCreation. */
  countedAtCreation?: boolean;
}

/** A superseded revision of a record as kept (immutable: the audit trail). */
export interface RecordRevision {
  revision: number;
  doc: WorkRecordDocument;
  extras?: Extras;
  documents: StoredDocumentRef[];
  contentHash: string;
  /** When it was stored. */
  at: number;
  keyId: string | null;
  outcome: RevisionOutcome;
  reason: string | null;
  recordStatus: RecordStatus;
}

/** One correction's write, all or nothing: the superseded revision kept, the head at the next one, its documents' rows. */
export interface RevisionWrite {
  facilityId: string;
  previous: RecordRevision;
  next: RecordHeadWrite;
  documents: readonly DocumentChange[];
}

/** The head's latest revision as it is kept once superseded. */
export function supersededRevision(head: RecordHeadState): RecordRevision {
  const line = head.history.find((h) => h.revision === head.revision);
  return {
    revision: head.revision,
    doc: head.doc,
    ...(head.extras?.length ? { extras: head.extras } : {}),
    documents: head.documents,
    contentHash: head.contentHash,
    at: head.modifiedAt,
    keyId: head.keyId,
    outcome: line?.outcome ?? (head.revision === 1 ? 'created' : 'corrected'),
    reason: line?.reason ?? null,
    recordStatus: head.recordStatus,
  };
}

/** The write of a record's next revision over `head`, stored `at` by `keyId`. */
export function nextRevision(
  head: RecordHeadState,
  change: {
    doc: WorkRecordDocument;
    extras?: Extras | undefined;
    contentHash: string;
    documents: StoredDocumentRef[];
    outcome: 'corrected' | 'voided';
    reason: string | null;
    keyId: string;
    at: number;
  },
  documentChanges: readonly DocumentChange[] = [],
): RevisionWrite {
  const revision = head.revision + 1;
  // Never before the revision it supersedes: the poll serves changes in the order they happened.
  const at = Math.max(change.at, head.modifiedAt + 1);
  const state: RecordState = {
    facilityId: head.facilityId,
    agency: head.agency,
    number: head.number,
    contentHash: change.contentHash,
    orderAgency: head.orderAgency,
    orderNumber: head.orderNumber,
    orderMatched: head.orderMatched,
    receivedAt: head.receivedAt,
  };
  return {
    facilityId: head.facilityId,
    previous: supersededRevision(head),
    next: {
      state,
      doc: change.doc,
      ...(change.extras?.length ? { extras: change.extras } : {}),
      documents: change.documents,
      revision,
      recordStatus: change.outcome === 'voided' ? 'voided' : 'active',
      history: [
        ...head.history,
        { revision, at: new Date(at).toISOString(), outcome: change.outcome, keyId: change.keyId, reason: change.reason },
      ],
      modifiedAt: at,
      keyId: change.keyId,
      ...(head.countedAtCreation ? { countedAtCreation: true } : {}),
    },
    documents: documentChanges,
  };
}

/**
 * `If-Match` as sent: `"3"`, `W/"3"` or `3` name revision 3, `*` any; null when absent.
 * Anything else is a 400 naming the header.
 */
export function parseIfMatch(header: string | undefined): number | '*' | null {
  if (header === undefined) return null;
  const value = header.trim();
  if (value === '*') return '*';
  const m = /^(?:W\/)?"?([1-9][0-9]{0,8})"?$/.exec(value);
  if (!m) {
    throw invalidInput('If-Match must name a revision of the record, e.g. If-Match: "3".', [
      { path: '/headers/if-match', message: 'must be a revision number in quotes ("3")' },
    ]);
  }
  return Number(m[1]);
}

/** The 412 of a correction made against a revision that is no longer the latest. */
export const staleRevision = (expected: number, latest: number): HubError =>
  new HubError(
    'precondition-failed',
    `If-Match names revision ${expected}, but the record's latest revision is ${latest}; nothing was applied. GET the record and correct its latest revision.`,
    [{ path: '/headers/if-match', message: `the latest revision is ${latest}` }],
  );

/** What a correction does to a record. */
export type CorrectionPlan = { outcome: 'unchanged'; revision: number } | { outcome: 'corrected'; revision: number };

/**
 * Decides a correction against the record's latest revision: identical content (as sent, or as
 * the hub serves it: documents as references) → unchanged; else a new revision. `If-Match`
 * naming another revision → 412, also when the content is identical (nothing is applied on a
 * stale precondition). A correction may not move the record to another order.
 */
export function planCorrection(
  head: RecordHead,
  submitted: WorkRecordDocument,
  submittedHash: string,
  ifMatch: number | '*' | null,
): CorrectionPlan {
  if (typeof ifMatch === 'number' && ifMatch !== head.revision) throw staleRevision(ifMatch, head.revision);
  const order = submitted.workOrderIdentifier;
  if (order.agency !== head.orderAgency || order.number !== head.orderNumber) {
    throw invalidInput(
      `A correction cannot move work record ${submitted.workRecordIdentifier.number} to another order (it reports on ${head.orderNumber}); void it and submit a new record.`,
      [{ path: '/workOrderIdentifier', message: `must stay ${head.orderNumber} (${head.orderAgency})` }],
    );
  }
  if (submittedHash === head.contentHash || submittedHash === recordContentHash(head.doc, head.extras)) {
    return { outcome: 'unchanged', revision: head.revision };
  }
  return { outcome: 'corrected', revision: head.revision + 1 };
}

/**
 * A record's audit trail as stored (JSON text), or, for a record stored before revisions
 * existed, its one `created` line from when it was received and the key stored with it.
 */
export function readHistory(stored: string | undefined, receivedAt: number, keyId: string | null): RecordHistoryEntry[] {
  if (stored !== undefined) return JSON.parse(stored) as RecordHistoryEntry[];
  return [{ revision: 1, at: new Date(receivedAt).toISOString(), outcome: 'created', keyId, reason: null }];
}
