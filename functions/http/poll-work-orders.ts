/** GET /facility/{facilityId}/dispensingWorkorders: the PCS's poll for new, changed and cancelled orders. */
import { INACTIVE_STATUSES, servedOrder } from '../domain/work-orders.ts';
import { httpHandler } from '../shared/middleware.ts';
import { orderFromItem } from '../store/order-store.ts';
import { pollStream } from './poll-stream.ts';

export const handler = httpHandler('pollWorkOrders', async ({ event, caller, facilityId }) =>
  pollStream(event, caller, facilityId, {
    stream: 'ORDERS',
    envelope: 'dispensingWorkOrder',
    kind: 'workOrder',
    initialExclude: INACTIVE_STATUSES,
    serve: (item, window) => servedOrder(orderFromItem(item), window.windowStart),
  }),
);
