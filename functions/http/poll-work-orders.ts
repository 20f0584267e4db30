/** GET /facility/{facilityId}/dispensingWorkorders: the PCS's poll for new, changed and cancelled orders. */
import { INACTIVE_STATUSES, servedOrder } from '../domain/work-orders.ts';
import { orderFromItem } from '../store/order-store.ts';
import { countMetric } from '../shared/metrics.ts';
import { httpHandler, json } from '../shared/middleware.ts';
import { pollStream } from './poll-stream.ts';

export const handler = httpHandler('pollWorkOrders', async ({ event, caller, facilityId }) => {
  const { documents, headers } = await pollStream(event, caller!, facilityId!, {
    stream: 'ORDERS',
    initialExclude: INACTIVE_STATUSES,
    serve: (item, window) => servedOrder(orderFromItem(item), window.windowStart),
  });
  countMetric('polls');
  countMetric('documentsServed', documents.length);
  return json({ dispensingWorkOrder: documents }, 200, headers);
});
