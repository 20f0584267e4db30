/** GET /facility/{facilityId}/dispensingWorkorders: the PCS's poll for new, changed and cancelled orders. */
import { httpHandler } from '../shared/handler.ts';
import { POLLED_KINDS } from '../use-cases/polled-kinds.ts';
import { pollStream } from './poll-stream.ts';

export const handler = httpHandler('pollWorkOrders', async ({ event, caller, facilityId, query }) =>
  pollStream(event, caller, facilityId, POLLED_KINDS.dispensingWorkOrder, query),
);
