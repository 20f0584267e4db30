/** GET /facility/{facilityId}/subscriptions/{subscriptionId}: one subscription with its delivery state. */

import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { describe, findOwn } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler('getSubscription', async ({ params, caller, facilityId }) =>
  json(await describe(webhookPorts, await findOwn(webhookPorts, caller, facilityId, params.subscriptionId))),
);
