/** POST /facility/{facilityId}/subscriptions: registers a webhook endpoint; the answer carries its secret, once. */
import { validateSubscriptionRequest } from '../generated/validators/validate-subscription-request.cjs';
import { httpHandler, json } from '../shared/middleware.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { subscribe } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler(
  'createSubscription',
  async ({ caller, facilityId, body }) => json(await subscribe(webhookPorts, caller, facilityId, body), 201),
  { validate: validateSubscriptionRequest },
);
