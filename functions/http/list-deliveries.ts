/** GET /facility/{facilityId}/subscriptions/{subscriptionId}/deliveries: the delivery log, newest first, paged. */

import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { deliveryLog, findOwn } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler('listDeliveries', async ({ params, query, caller, facilityId }) => {
  const sub = await findOwn(webhookPorts, caller, facilityId, params.subscriptionId);
  // An empty value is read as none, as it always was.
  const { status, limit, cursor } = query;
  return json(
    await deliveryLog(webhookPorts, sub, { ...(status ? { status } : {}), ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) }),
  );
});
