/**
 * Every kind of document a key may poll, in one table: its change stream, the envelope of the
 * canonical answer, its older form (if the standard has one), the poll route whose roles say
 * who may poll it, and how a stored item becomes the served document. The poll routes and the
 * push delivery (webhooks) both serve through here, so a kind added to this table is polled
 * and pushed alike, with no webhook code of its own.
 */
import type { DocumentFormat } from '../domain/api-keys.ts';
import { type DocumentKind, toLegacy } from '../domain/legacy-form.ts';
import type { Window } from '../domain/poll-window.ts';
import { INACTIVE_STATUSES, servedOrder } from '../domain/work-orders.ts';
import { type Role, type RouteId, route } from '../routes.ts';
import type { Stream } from '../store/keys.ts';
import { masterFromItem } from '../store/master-data-store.ts';
import { orderFromItem } from '../store/order-store.ts';
import { recordFromItem } from '../store/record-store.ts';

export interface PolledKind<T = unknown> {
  stream: Stream;
  /** The envelope of the canonical answer (`{"<envelope>": [...]}`). */
  envelope: string;
  /** The kind its documents are in the standard's older form; null: canonical only. */
  legacy: DocumentKind | null;
  /** The poll route of this kind: its roles say who may poll (and subscribe to) it. */
  pollRoute: RouteId;
  /** Statuses left out of the initial load (poll without lastExecutionDateTime). */
  initialExclude?: readonly string[];
  /** Turns a stored item into the served document. */
  serve: (item: Record<string, unknown>, window: Pick<Window, 'windowStart'>) => T;
}

/** Served as the ERP last sent it. */
const asSent = (item: Record<string, unknown>) => masterFromItem(item).doc;

/** THE table of pollable kinds, by the name a subscription's `events` gives. */
export const POLLED_KINDS = {
  dispensingWorkOrder: {
    stream: 'ORDERS',
    envelope: 'dispensingWorkOrder',
    legacy: 'workOrder',
    pollRoute: 'pollWorkOrders',
    initialExclude: INACTIVE_STATUSES,
    serve: (item, window) => servedOrder(orderFromItem(item), window.windowStart),
  },
  dispensingWorkRecord: {
    stream: 'RECORDS',
    envelope: 'dispensingWorkRecord',
    legacy: 'workRecord',
    pollRoute: 'pollWorkRecords',
    serve: (item) => recordFromItem(item).doc,
  },
  // Plant master data: the hub's own kinds, canonical only, served as the ERP last sent them.
  components: { stream: 'COMPONENTS', envelope: 'components', legacy: null, pollRoute: 'pollComponents', serve: asSent },
  recipes: { stream: 'RECIPES', envelope: 'recipes', legacy: null, pollRoute: 'pollRecipes', serve: asSent },
  // Neither cancelled nor fully received: what a receiving station still expects.
  purchaseOrders: {
    stream: 'PURCHASE_ORDERS',
    envelope: 'purchaseOrders',
    legacy: null,
    pollRoute: 'pollPurchaseOrders',
    initialExclude: ['cancelled', 'received'],
    serve: asSent,
  },
} as const satisfies Record<string, PolledKind>;

export type PolledKindName = keyof typeof POLLED_KINDS;

/** The kind of this name, or null. */
export function polledKind(name: string): PolledKind | null {
  return Object.hasOwn(POLLED_KINDS, name) ? (POLLED_KINDS[name as PolledKindName] as PolledKind) : null;
}

/** The kinds whose documents travel on this change stream. */
export function kindsOfStream(stream: string): PolledKindName[] {
  return (Object.keys(POLLED_KINDS) as PolledKindName[]).filter((k) => POLLED_KINDS[k].stream === stream);
}

/** The roles that may poll this kind (its poll route's). */
export const rolesOf = (kind: PolledKind): readonly Role[] => route(kind.pollRoute).roles;

/** The answer a poll gives for these stored items: the envelope, or in an older form a bare array. */
export function pollAnswer(
  kind: PolledKind,
  items: readonly Record<string, unknown>[],
  windowStart: number | null,
  format: DocumentFormat,
) {
  const documents = items.map((item) => kind.serve(item, { windowStart }));
  if (format === 'canonical' || kind.legacy === null) return { body: { [kind.envelope]: documents } as unknown, count: documents.length };
  const legacy = kind.legacy;
  return { body: documents.map((d) => toLegacy(legacy, d as never, format)) as unknown, count: documents.length };
}
