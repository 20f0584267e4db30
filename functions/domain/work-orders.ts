/**
 * The work order lifecycle of API.md: what a pushed create / update / hold / cancel does
 * to an order, decided on plain data. No I/O: the store loads the current state, this
 * module decides, the store writes the result atomically.
 */
import { isDeepStrictEqual } from 'node:util';
import type { DispensingWorkOrder, Identifier } from '../generated/documents.ts';
import { identityKey } from './documents.ts';
import { conflict, type ErrorItem, HubError, notFound } from './errors.ts';
import type { Extras } from './legacy-form.ts';

export type ErpChange = 'create' | 'update' | 'hold' | 'cancel';
export type OrderStatus = 'open' | 'onHold' | 'accepted' | 'rejected' | 'inProgress' | 'complete' | 'cancelled';
export type OrderOutcome = 'created' | 'updated' | 'held' | 'cancelled' | 'unchanged';

/** An identifier of the standard: agency (code list value) and number. Types come from schemas/. */
export type { Identifier };

/** A dispensing work order in canonical form (validated against schemas/ before it gets here). */
export type WorkOrderDocument = DispensingWorkOrder;

/** What the hub knows about one order. Times are epoch milliseconds, assigned by the hub. */
export interface OrderState {
  facilityId: string;
  agency: string;
  number: string;
  /** The order as the ERP last sent it. */
  doc: WorkOrderDocument;
  /** What the canonical form cannot hold of the document as the ERP last sent it (older form only), served back in it. */
  extras?: Extras;
  status: OrderStatus;
  /** Counts the ERP's changes: 1 when created, +1 for every change that changed something. */
  revision: number;
  /** Optimistic lock: +1 on every write, whoever makes it. */
  version: number;
  lastErpChange: ErpChange;
  createdAt: number;
  /** Time of the ERP's latest change: the order's position in the poll stream. */
  modifiedAt: number;
  /** Time of the latest change by anyone (the ERP, acknowledgements, records). */
  updatedAt: number;
  acknowledgement?: unknown;
  /** The acknowledgement's extras (older form only): kept with it, served nowhere (the older form serves no acknowledgement). */
  acknowledgementExtras?: Extras;
  /**
   * What each record of the order reports (by the record's identityKey; 'voided' for a voided
   * one), as the derived figures count it: the status is recomputed from it. Absent on orders
   * written before it was kept.
   */
  recordReports?: Record<string, 'inProgress' | 'complete' | 'cancelled' | 'voided'>;
  /**
   * True when recordReports (absent: none) names every record that names the order, voided ones
   * included: how many records the order has is then read from it (the summaries' count), never
   * counted on the records index. Absent on orders kept before it was (store/backfill.ts).
   */
  reportsComplete?: boolean;
  /** While records hold the order in progress or complete: the status it had before the first of them. */
  statusBeforeRecords?: OrderStatus;
}

export interface OrderResult {
  index: number;
  workOrderNumber: string;
  agency: string;
  outcome: OrderOutcome;
  revision: number;
}

export interface OrderBatchPlan {
  results: OrderResult[];
  /** Final state of every order the batch changes, with the version it was read at (0: new). */
  writes: OrderWrite[];
}

/** Statuses in which the PCS has started work: the ERP may no longer change the order. */
const PCS_LOCKED: ReadonlySet<OrderStatus> = new Set(['inProgress', 'complete']);

/** A new order state to write, with the version it was read at (0: a new order). */
export interface OrderWrite {
  next: OrderState;
  expectedVersion: number;
}

/**
 * The writes of a plan: every entry of `working` that is not the state read (by identity),
 * with the version it was read at. The one "changed entries" rule of every order plan.
 */
export function changedOrders(working: ReadonlyMap<string, OrderState>, read: ReadonlyMap<string, OrderState>): OrderWrite[] {
  const writes: OrderWrite[] = [];
  for (const [id, next] of working) {
    if (next !== read.get(id)) writes.push({ next, expectedVersion: read.get(id)?.version ?? 0 });
  }
  return writes;
}

/**
 * The part of a document that identifies content: the envelope header and the change type are
 * not content; its extras are, but for the header's (its Sender's further identifiers, ...).
 */
function sameContent(current: OrderState, b: WorkOrderDocument, extras: Extras | undefined): boolean {
  const { header: _ha, workOrderType: _ta, ...ca } = current.doc;
  const { header: _hb, workOrderType: _tb, ...cb } = b;
  return isDeepStrictEqual(ca, cb) && isDeepStrictEqual(contentExtras(current.extras), contentExtras(extras));
}

const contentExtras = (extras: Extras | undefined) => (extras ?? []).filter((e) => !e.at.startsWith('/header/'));

type Decision = { outcome: OrderOutcome; next?: OrderState } | { error: HubError };

/** Decides what one pushed document (with its extras, if any) does to the order's current state (undefined: unknown order). */
export function decideOrderChange(
  current: OrderState | undefined,
  doc: WorkOrderDocument,
  facilityId: string,
  now: number,
  extras?: Extras,
): Decision {
  const kept = extras?.length ? { extras } : {};
  const change = doc.workOrderType;
  const { agency, number } = doc.workOrderIdentifier;
  const label = `work order ${number} (${agency})`;

  if (!current) {
    if (change !== 'create') {
      return { error: notFound(`${label} is not known at this facility; ${change} needs an order created earlier.`) };
    }
    const next: OrderState = {
      facilityId,
      agency,
      number,
      doc,
      ...kept,
      status: 'open',
      revision: 1,
      version: 0,
      lastErpChange: 'create',
      createdAt: now,
      modifiedAt: now,
      updatedAt: now,
      // No record names it yet: records that came first are in the early report it takes over (withEarlyReports).
      reportsComplete: true,
    };
    return { outcome: 'created', next };
  }

  if (change === 'create') {
    if (sameContent(current, doc, extras)) return { outcome: 'unchanged' };
    return {
      error: conflict(`${label} already exists with other content; send workOrderType "update" to change it.`),
    };
  }
  if (current.status === 'cancelled') {
    if (change === 'cancel') return { outcome: 'unchanged' };
    return { error: conflict(`${label} is cancelled; a cancelled order cannot be changed.`) };
  }
  if (PCS_LOCKED.has(current.status)) {
    return {
      error: conflict(`${label} is ${current.status} at the plant; it can no longer be changed by the ERP.`),
    };
  }

  const target: { status: OrderStatus; outcome: OrderOutcome } =
    change === 'hold'
      ? { status: 'onHold', outcome: 'held' }
      : change === 'cancel'
        ? { status: 'cancelled', outcome: 'cancelled' }
        : { status: 'open', outcome: 'updated' };
  // An identical update of an order the PCS has acknowledged is a retry, not a change.
  const alreadyThere =
    current.status === target.status || (change === 'update' && (current.status === 'accepted' || current.status === 'rejected'));
  if (alreadyThere && sameContent(current, doc, extras)) return { outcome: 'unchanged' };

  // Positions in the poll stream only move forward, even if two writers' clocks disagree.
  const modifiedAt = Math.max(now, current.modifiedAt + 1);
  const next: OrderState = {
    ...current,
    doc,
    extras: kept.extras,
    status: target.status,
    revision: current.revision + 1,
    lastErpChange: change,
    modifiedAt,
    updatedAt: Math.max(now, current.updatedAt),
    // New content must be acknowledged again.
    acknowledgement: undefined,
    acknowledgementExtras: undefined,
  };
  return { outcome: target.outcome, next };
}

/**
 * Applies a batch of pushed documents, in order, to the current states (keyed by
 * identityKey). All or nothing: if any document fails, throws one error naming every
 * failing document by its index; otherwise returns the results and the writes to make.
 * `extras[i]`: what document i sent that the canonical form cannot hold (older form only).
 */
export function planOrderBatch(
  docs: readonly WorkOrderDocument[],
  current: ReadonlyMap<string, OrderState>,
  facilityId: string,
  now: number,
  pointer = '/dispensingWorkOrder',
  extras?: readonly (Extras | undefined)[],
): OrderBatchPlan {
  const working = new Map(current);
  const results: OrderResult[] = [];
  const failures: { item: ErrorItem; error: HubError }[] = [];

  docs.forEach((doc, index) => {
    const { agency, number } = doc.workOrderIdentifier;
    const id = identityKey(agency, number);
    const state = working.get(id);
    const decision = decideOrderChange(state, doc, facilityId, now, extras?.[index]);
    if ('error' in decision) {
      failures.push({ item: { path: `${pointer}/${index}`, message: decision.error.message }, error: decision.error });
      return;
    }
    if (decision.next) working.set(id, decision.next);
    const revision = (decision.next ?? state)?.revision ?? 1;
    results.push({ index, workOrderNumber: number, agency, outcome: decision.outcome, revision });
  });

  if (failures.length > 0) {
    const kind = failures.some((f) => f.error.kind === 'conflict') ? 'conflict' : 'not-found';
    const detail =
      failures.length === 1
        ? `${failures[0]!.error.message} Nothing in this request was applied.`
        : `${failures.length} documents cannot be applied; nothing in this request was applied.`;
    throw new HubError(
      kind,
      detail,
      failures.map((f) => f.item),
    );
  }

  return { results, writes: changedOrders(working, current) };
}

/** What records reported for an order before the ERP created it, and the version of that report (store: one item at the order's key). */
export interface EarlyReport {
  /** The furthest status the reports move the order to; null when none does (all cancelled or voided). */
  status: 'inProgress' | 'complete' | null;
  version: number;
  /** What each record reports (by the record's identityKey); absent on reports kept before it was. */
  records?: Record<string, 'inProgress' | 'complete' | 'cancelled' | 'voided'>;
  /** True when `records` names every record that names the order (OrderState.reportsComplete). */
  complete?: boolean;
}

/** What the table holds at a batch's keys, by identityKey: orders, and early reports of orders not created yet. */
export interface OrderSlots {
  orders: Map<string, OrderState>;
  early: Map<string, EarlyReport>;
}

/**
 * A plan's writes once records that arrived before their order are counted: an order the
 * batch creates starts at the status those records reported (forward only, as if they had
 * arrived after it), and replaces the report item at the version it was read.
 */
export function withEarlyReports(writes: readonly OrderWrite[], reports: ReadonlyMap<string, EarlyReport>): OrderWrite[] {
  return writes.map((w) => {
    const report = w.expectedVersion === 0 ? reports.get(identityKey(w.next.agency, w.next.number)) : undefined;
    if (!report) return w;
    const moved = (w.next.status === 'open' || w.next.status === 'onHold') && report.status !== null;
    const status = moved ? report.status! : w.next.status;
    return {
      next: {
        ...w.next,
        status,
        ...(report.records ? { recordReports: report.records } : {}),
        reportsComplete: report.complete === true,
        ...(moved ? { statusBeforeRecords: w.next.status } : {}),
      },
      expectedVersion: report.version,
    };
  });
}

/**
 * The order as a PCS receives it on a poll: the pure standard document, with
 * workOrderType telling what happened. `windowStart` is the start of the window served
 * (null for the initial load, where every order is new to the PCS).
 */
export function servedOrder(state: OrderState, windowStart: number | null): WorkOrderDocument {
  let type: ErpChange;
  if (state.status === 'cancelled') type = 'cancel';
  else if (windowStart === null || state.createdAt >= windowStart) type = 'create';
  else type = state.lastErpChange === 'hold' ? 'hold' : 'update';
  return { ...state.doc, workOrderType: type };
}

/** Statuses the initial load leaves out: the PCS has nothing to do for them. */
export const INACTIVE_STATUSES: readonly OrderStatus[] = ['cancelled', 'complete'];
