/**
 * The document kinds served by the change-stream poll (use-cases/poll-changes.ts) beyond work
 * orders and records, in one table: per kind its stream, the envelope of its answer, its older
 * form (none: these kinds are canonical only), its poll route (whose roles say who may poll it),
 * what the initial load leaves out, and how a stored item becomes the served document. The poll
 * routes and any other consumer of the same streams (push delivery) read this table, so a kind
 * is added once.
 */
import type { DocumentKind } from '../domain/legacy-form.ts';
import type { Window } from '../domain/poll-window.ts';
import type { RouteId } from '../routes.ts';
import type { Stream } from '../store/keys.ts';
import { masterFromItem } from '../store/master-data-store.ts';

export interface PolledKind<T = unknown> {
  stream: Stream;
  /** The answer's envelope: `{"<envelope>": [...]}`. */
  envelope: string;
  /** The kind its documents are in the standard's older form; null: canonical only. */
  legacy: DocumentKind | null;
  /** The poll route of this kind: its roles say who may poll it. */
  pollRoute: RouteId;
  /** Statuses the initial load (no lastExecutionDateTime) leaves out. */
  initialExclude?: readonly string[];
  /** The served document of a stored item. */
  serve: (item: Record<string, unknown>, window: Pick<Window, 'windowStart'>) => T;
}

/** Served as the ERP last sent it. */
const asSent = (item: Record<string, unknown>) => masterFromItem(item).doc;

/** The pollable plant master-data kinds, by the name a subscription's `events` would give. */
export const POLLED_KINDS = {
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
