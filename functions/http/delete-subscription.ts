/** DELETE /facility/{facilityId}/subscriptions/{subscriptionId}: removes a subscription (204). */

import { httpHandler } from '../shared/middleware.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { unsubscribe } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler('deleteSubscription', async ({ event, caller, facilityId }) => {
  await unsubscribe(webhookPorts, caller, facilityId, event.pathParameters?.subscriptionId ?? '');
  return { statusCode: 204, headers: {}, body: '' };
});
