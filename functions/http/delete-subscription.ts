/** DELETE /facility/{facilityId}/subscriptions/{subscriptionId}: removes a subscription (204). */

import { httpHandler } from '../shared/handler.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { unsubscribe } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler('deleteSubscription', async ({ params, caller, facilityId }) => {
  await unsubscribe(webhookPorts, caller, facilityId, params.subscriptionId);
  return { statusCode: 204, headers: {}, body: '' };
});
