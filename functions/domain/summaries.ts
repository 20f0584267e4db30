/**
 * Order summaries (search): the query of GET .../workOrderSummaries read and checked, which
 * index partitions answer it, and the merge of their newest-first pages into one page.
 * Pure: the store runs the Queries this module plans.
 */
import { invalidInput } from './errors.ts';
import { parseClientTime } from './time.ts';
import type { OrderStatus } from './work-orders.ts';

export const ORDER_STATUSES: readonly OrderStatus[] = ['open', 'onHold', 'accepted', 'rejected', 'inProgress', 'complete', 'cancelled'];
export const SUMMARY_LIMIT = { min: 1, max: 1000, default: 100 } as const;

export interface SummaryQuery {
  /** Statuses asked for (sorted, unique); null: every status. */
  statuses: OrderStatus[] | null;
  /** The time filtered and ordered on. */
  axis: 'created' | 'modified';
  /** [from, to) in epoch ms; null: open. */
  from: number | null;
  to: number | null;
  limit: number;
}

const bad = (name: string, message: string, detail: string) => invalidInput(detail, [{ path: `/queryStringParameters/${name}`, message }]);

/** Reads the query parameters (cursor aside): a 400 naming the parameter on anything wrong. */
export function parseSummaryQuery(q: Record<string, string | undefined>): SummaryQuery {
  let statuses: OrderStatus[] | null = null;
  if (q.status !== undefined) {
    const parts = q.status.split(',').map((s) => s.trim());
    const unknown = parts.filter((s) => !(ORDER_STATUSES as readonly string[]).includes(s));
    if (unknown.length > 0 || parts.length === 0) {
      throw bad(
        'status',
        `must be statuses of ${ORDER_STATUSES.join(', ')}`,
        `status must be a comma-separated list of ${ORDER_STATUSES.join(', ')}.`,
      );
    }
    statuses = [...new Set(parts as OrderStatus[])].sort();
  }
  const time = (name: string) => (q[name] === undefined ? null : parseClientTime(q[name]!, name));
  const created = { from: time('createdFrom'), to: time('createdTo') };
  const modified = { from: time('modifiedFrom'), to: time('modifiedTo') };
  const hasCreated = created.from !== null || created.to !== null;
  if (hasCreated && (modified.from !== null || modified.to !== null)) {
    const name = modified.from !== null ? 'modifiedFrom' : 'modifiedTo';
    throw bad(name, 'cannot be combined with a created range', 'Filter by a created range or by a modified range, not both.');
  }
  const axis = hasCreated ? 'created' : 'modified';
  const range = hasCreated ? created : modified;
  if (range.from !== null && range.to !== null && range.from >= range.to) {
    throw bad(`${axis}To`, `must be after ${axis}From`, `${axis}To must be later than ${axis}From (from inclusive, to exclusive).`);
  }
  let limit: number = SUMMARY_LIMIT.default;
  if (q.limit !== undefined) {
    limit = /^\d{1,4}$/.test(q.limit) ? Number(q.limit) : Number.NaN;
    if (!(limit >= SUMMARY_LIMIT.min && limit <= SUMMARY_LIMIT.max)) {
      throw bad(
        'limit',
        `must be an integer from ${SUMMARY_LIMIT.min} to ${SUMMARY_LIMIT.max}`,
        `limit must be an integer from 1 to 1000.`,
      );
    }
  }
  return { statuses, axis, from: range.from, to: range.to, limit };
}

/** What a cursor is bound to besides the key and facility: the query itself, canonical. */
export const queryBinding = (q: SummaryQuery): string => JSON.stringify([q.statuses, q.axis, q.from, q.to, q.limit]);

/** The cursor's payload: the position of the last summary served (URL-safe). */
export const encodeSummaryCursor = (position: string): string => Buffer.from(position, 'utf8').toString('base64url');
export const decodeSummaryCursor = (payload: string): string => Buffer.from(payload, 'base64url').toString('utf8');

/**
 * Which partitions answer the query: by status (one per status asked for, or every status when
 * ordered by creation time), or, for every status by modification time, the facility's change
 * stream itself. The store maps each to its index and key.
 */
export type SummaryPartition = { kind: 'status'; status: OrderStatus; axis: 'created' | 'modified' } | { kind: 'allModified' };

export function summaryPartitions(q: SummaryQuery): SummaryPartition[] {
  if (q.statuses === null && q.axis === 'modified') return [{ kind: 'allModified' }];
  return (q.statuses ?? ORDER_STATUSES).map((status) => ({ kind: 'status', status, axis: q.axis }));
}

/** Sort-key bounds of one page: positions in [lo, hi], newest first, `exclude` (the cursor's position) left out. */
export function pageBounds(q: SummaryQuery, after: string | null): { lo: string; hi: string; exclude: string | null } {
  // Positions are `{iso}#{agency}#{number}`: an ISO time alone sorts before every position at
  // that time, so `to` (exclusive) is the bound itself; '0' and '~' bound every ISO year.
  const lo = q.from === null ? '0' : new Date(q.from).toISOString();
  const toBound = q.to === null ? '~' : new Date(q.to).toISOString();
  if (after !== null && after < toBound) return { lo, hi: after, exclude: after };
  return { lo, hi: toBound, exclude: null };
}

/** An order as a summaries' index holds it: the stored fields a summary is made of (times as stored, ISO). */
export interface SummaryItem {
  agency: string;
  number: string;
  status: string;
  revision: number;
  createdAt: string;
  modifiedAt: string;
  /** The order's acknowledgement as the PCS sent it; undefined when none (or none since the last change). */
  acknowledgement?: unknown;
  /** How many records name the order, kept with it; undefined on an order kept before the count was (counted on the records index then). */
  records?: number;
}

/** One partition's page: positions newest first, and whether it holds more below the last. */
export interface PartitionPage<T> {
  items: { position: string; item: T }[];
  more: boolean;
}

/** Merges the partitions' pages into the page served: the newest `limit`, and the cursor position if more remain. */
export function mergePages<T>(pages: readonly PartitionPage<T>[], limit: number): { items: T[]; next: string | null } {
  const all = pages.flatMap((p) => p.items).sort((a, b) => (a.position < b.position ? 1 : a.position > b.position ? -1 : 0));
  const taken = all.slice(0, limit);
  const more = all.length > limit || pages.some((p) => p.more);
  return { items: taken.map((t) => t.item), next: more && taken.length > 0 ? taken.at(-1)!.position : null };
}
