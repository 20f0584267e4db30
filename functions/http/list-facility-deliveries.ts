/** GET /facility/{facilityId}/deliveries: the deliveries of every webhook subscription of the facility, newest first. */
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { deliveryLog } from '../store/delivery-store.ts';
import { subscriptionStore } from '../store/subscription-store.ts';
import { facilityDeliveries } from '../use-cases/facility-deliveries.ts';

const ports = { subscriptions: subscriptionStore, deliveries: deliveryLog };

export const handler = httpHandler('listFacilityDeliveries', async ({ facilityId, query }) =>
  json(await facilityDeliveries(ports, facilityId, query)),
);
