/**
 * The document kinds served by the change-stream poll (use-cases/poll-changes.ts) beyond work
 * orders and records: per kind its stream, the envelope of its answer, what the initial load
 * leaves out, and how a stored item becomes the served document. The poll routes and any other
 * consumer of the same streams (push delivery) read this table, so a kind is added once.
 */
import type { Stream } from '../store/keys.ts';
import { masterFromItem } from '../store/master-data-store.ts';

export interface PolledKind {
  stream: Stream;
  /** The answer's envelope: `{"<envelope>": [...]}`. */
  envelope: string;
  /** Statuses the initial load (no lastExecutionDateTime) leaves out. */
  initialExclude?: readonly string[];
  /** The served document of a stored item: as the ERP last sent it. */
  serve: (item: Record<string, unknown>) => unknown;
}

const asSent = (item: Record<string, unknown>) => masterFromItem(item).doc;

export const POLLED_KINDS = {
  components: { stream: 'COMPONENTS', envelope: 'components', serve: asSent },
  recipes: { stream: 'RECIPES', envelope: 'recipes', serve: asSent },
  // Neither cancelled nor fully received: what a receiving station still expects.
  purchaseOrders: { stream: 'PURCHASE_ORDERS', envelope: 'purchaseOrders', initialExclude: ['cancelled', 'received'], serve: asSent },
} as const satisfies Record<string, PolledKind>;

export type PolledKindName = keyof typeof POLLED_KINDS;
