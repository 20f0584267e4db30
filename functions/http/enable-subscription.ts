/** POST /facility/{facilityId}/subscriptions/{subscriptionId}/enable: re-enables a disabled subscription. */

import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { enable } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler('enableSubscription', async ({ params, caller, facilityId }) =>
  json(await enable(webhookPorts, caller, facilityId, params.subscriptionId)),
);
