/**
 * Every kind of document a key may poll, in one table: its change stream, the envelope of the
 * canonical answer, its older form (if the standard has one), who may poll it, and how a stored
 * document (as the store reads it from the stream: store/stream-documents.ts) becomes the served
 * one. The poll routes and the push delivery (webhooks) both serve through here, so a kind added
 * to this table is polled and pushed alike, with no webhook code of its own.
 */
import type { DocumentFormat, Role } from '../domain/api-keys.ts';
import { type DocumentKind, type Extras, toLegacy } from '../domain/legacy-form.ts';
import type { MasterDocument, MasterState } from '../domain/master-data.ts';
import type { Window } from '../domain/poll-window.ts';
import { INACTIVE_STATUSES, type OrderState, servedOrder } from '../domain/work-orders.ts';
import type { WorkRecordDocument } from '../domain/work-records.ts';
import type { Stream } from '../store/keys.ts';

export interface PolledKind<T = unknown> {
  stream: Stream;
  /** The envelope of the canonical answer (`{"<envelope>": [...]}`). */
  envelope: string;
  /** The kind its documents are in the standard's older form; null: canonical only. */
  legacy: DocumentKind | null;
  /** The poll route of this kind (routes.ts); a unit test holds its roles equal to `pollers`. */
  pollRoute: string;
  /** The roles that may poll (and so subscribe to) this kind. */
  pollers: readonly Role[];
  /** Statuses left out of the initial load (poll without lastExecutionDateTime). */
  initialExclude?: readonly string[];
  /** Turns a document as stored (what the store reads from this kind's stream) into the served one. */
  serve(stored: T, window: Pick<Window, 'windowStart'>): unknown;
}

/** Served as the ERP last sent it. */
const asSent = (stored: MasterState): MasterDocument => stored.doc;

/** THE table of pollable kinds, by the name a subscription's `events` gives. */
export const POLLED_KINDS = {
  dispensingWorkOrder: {
    stream: 'ORDERS',
    envelope: 'dispensingWorkOrder',
    legacy: 'workOrder',
    pollRoute: 'pollWorkOrders',
    pollers: ['pcs', 'erp'],
    initialExclude: INACTIVE_STATUSES,
    serve: (order: OrderState, window) => servedOrder(order, window.windowStart),
  },
  dispensingWorkRecord: {
    stream: 'RECORDS',
    envelope: 'dispensingWorkRecord',
    legacy: 'workRecord',
    pollRoute: 'pollWorkRecords',
    pollers: ['erp'],
    serve: (record: { doc: WorkRecordDocument }) => record.doc,
  },
  // Plant master data: the hub's own kinds, canonical only, served as the ERP last sent them.
  components: {
    stream: 'COMPONENTS',
    envelope: 'components',
    legacy: null,
    pollRoute: 'pollComponents',
    pollers: ['pcs', 'erp'],
    serve: asSent,
  },
  recipes: { stream: 'RECIPES', envelope: 'recipes', legacy: null, pollRoute: 'pollRecipes', pollers: ['pcs', 'erp'], serve: asSent },
  // Neither cancelled nor fully received: what a receiving station still expects.
  purchaseOrders: {
    stream: 'PURCHASE_ORDERS',
    envelope: 'purchaseOrders',
    legacy: null,
    pollRoute: 'pollPurchaseOrders',
    pollers: ['pcs', 'erp'],
    initialExclude: ['cancelled', 'received'],
    serve: asSent,
  },
} as const satisfies Record<string, PolledKind<never>>;

export type PolledKindName = keyof typeof POLLED_KINDS;

/** The kind of this name, or null. */
export function polledKind(name: string): PolledKind | null {
  return Object.hasOwn(POLLED_KINDS, name) ? (POLLED_KINDS[name as PolledKindName] as PolledKind) : null;
}

/** The kinds whose documents travel on this change stream. */
export function kindsOfStream(stream: string): PolledKindName[] {
  return (Object.keys(POLLED_KINDS) as PolledKindName[]).filter((k) => POLLED_KINDS[k].stream === stream);
}

/**
 * The answer a poll gives for these stored documents of the kind: the envelope, or in an older
 * form a bare array, each document with its extras (what it was sent with in the older form that
 * the canonical form cannot hold: orders and records keep them as `extras`) back in place.
 */
export function pollAnswer(kind: PolledKind, stored: readonly unknown[], windowStart: number | null, format: DocumentFormat) {
  const documents = stored.map((doc) => kind.serve(doc, { windowStart }));
  if (format === 'canonical' || kind.legacy === null) return { body: { [kind.envelope]: documents } as unknown, count: documents.length };
  const legacy = kind.legacy;
  const body = documents.map((d, i) => toLegacy(legacy, d, format, (stored[i] as { extras?: Extras }).extras));
  return { body: body as unknown, count: documents.length };
}
