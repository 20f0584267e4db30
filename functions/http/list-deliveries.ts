/** GET /facility/{facilityId}/subscriptions/{subscriptionId}/deliveries: the delivery log, newest first, paged. */
import { httpHandler, json } from '../shared/middleware.ts';
import { deliveryLog, findOwn } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler('listDeliveries', async ({ event, caller, facilityId }) => {
  const sub = await findOwn(caller, facilityId, event.pathParameters?.subscriptionId ?? '');
  const { status, limit, cursor } = event.queryStringParameters ?? {};
  return json(await deliveryLog(sub, { ...(status ? { status } : {}), ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) }));
});
