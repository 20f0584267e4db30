/**
 * The deliveries of every webhook subscription of a facility, newest first (the operator view:
 * "is every webhook delivered", `?status=failed` the dead letters): each subscription's log is
 * read from the cursor on, at most a page each, and the pages are merged. Cost: subscriptions ×
 * page size items at most, never the facility's documents.
 */
import { positionTime } from '../domain/operator-view.ts';
import { deliveryCursor, deliveryPageQuery, deliveryView, newestDeliveryFirst } from '../domain/webhooks.ts';
import type { DeliveryLog, SubscriptionStore } from './webhook-ports.ts';

export interface FacilityDeliveryPorts {
  subscriptions: Pick<SubscriptionStore, 'list'>;
  deliveries: Pick<DeliveryLog, 'page'>;
}

export async function facilityDeliveries(
  ports: FacilityDeliveryPorts,
  facilityId: string,
  query: { status?: string | undefined; limit?: string | undefined; cursor?: string | undefined },
) {
  const { status, limit, after } = deliveryPageQuery(query);
  const subs = await ports.subscriptions.list(facilityId);
  const pages = await Promise.all(subs.map((s) => ports.deliveries.page(s.subscriptionId, { status, limit, after })));
  const merged = pages.flatMap((p) => p.deliveries).sort(newestDeliveryFirst);
  const rows = merged.slice(0, limit);
  const more = merged.length > limit || pages.some((p) => p.more);
  const last = rows.at(-1);
  return {
    deliveries: rows.map((d) => ({
      subscriptionId: d.subscriptionId,
      ...deliveryView(d),
      // Where its changes start: a replay since this time sends a dead letter's changes again.
      changesSince: d.lower === null ? null : positionTime(d.lower),
    })),
    next: more && last ? deliveryCursor(last) : null,
  };
}
