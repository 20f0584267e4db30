/**
 * The deliveries of every webhook subscription of a facility, newest first (the operator view:
 * "is every webhook delivered", `?status=failed` the dead letters): each subscription's log is
 * read from the cursor on, at most a page each, and the pages are merged. Cost: subscriptions ×
 * page size items at most, never the facility's documents.
 */
import { invalidInput } from '../domain/errors.ts';
import { positionTime } from '../domain/operator-view.ts';
import { pageLimit } from '../domain/refusals.ts';
import type { Delivery, DeliveryStatus } from '../domain/webhooks.ts';
import type { DeliveryLog, DeliveryRef, SubscriptionStore } from './webhook-ports.ts';

export interface FacilityDeliveryPorts {
  subscriptions: Pick<SubscriptionStore, 'list'>;
  deliveries: Pick<DeliveryLog, 'page'>;
}

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];
/** The cursor: the last row listed, in the form of the per-subscription log's (`DLV#{createdAt}#{deliveryId}`). */
const CURSOR = /^DLV#([0-9TZ:.-]{24})#(dlv_[0-9a-f]{24})$/;
const refOf = (d: DeliveryRef) => `DLV#${d.createdAt}#${d.deliveryId}`;

/** Newest first: by creation time, then id (the order of each log's sort key). */
const newestFirst = (a: Delivery, b: Delivery) => (refOf(a) < refOf(b) ? 1 : refOf(a) > refOf(b) ? -1 : 0);

export async function facilityDeliveries(
  ports: FacilityDeliveryPorts,
  facilityId: string,
  query: { status?: string | undefined; limit?: string | undefined; cursor?: string | undefined },
) {
  const status = STATUSES.find((s) => s === query.status);
  if (query.status !== undefined && status === undefined) {
    throw invalidInput('status must be pending, delivered or failed.', [
      { path: '/queryStringParameters/status', message: 'unknown status' },
    ]);
  }
  const limit = pageLimit(query.limit, 20);
  let after: DeliveryRef | undefined;
  if (query.cursor !== undefined) {
    const m = CURSOR.exec(Buffer.from(query.cursor, 'base64url').toString('utf8'));
    if (!m)
      throw invalidInput('cursor is not one this hub issued.', [{ path: '/queryStringParameters/cursor', message: 'invalid cursor' }]);
    after = { createdAt: m[1]!, deliveryId: m[2]! };
  }
  const subs = await ports.subscriptions.list(facilityId);
  const pages = await Promise.all(subs.map((s) => ports.deliveries.page(s.subscriptionId, { status, limit, after })));
  const merged = pages.flatMap((p) => p.deliveries).sort(newestFirst);
  const rows = merged.slice(0, limit);
  const more = merged.length > limit || pages.some((p) => p.more);
  const last = rows.at(-1);
  return {
    deliveries: rows.map((d) => ({
      subscriptionId: d.subscriptionId,
      deliveryId: d.deliveryId,
      webhookId: d.webhookId,
      createdAt: d.createdAt,
      documents: d.documents,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: d.nextAttemptAt === null ? null : new Date(d.nextAttemptAt).toISOString(),
      // Where its changes start: a replay since this time sends a dead letter's changes again.
      changesSince: d.lower === null ? null : positionTime(d.lower),
    })),
    next: more && last ? Buffer.from(refOf(last), 'utf8').toString('base64url') : null,
  };
}
