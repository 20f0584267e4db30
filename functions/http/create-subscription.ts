/** POST /facility/{facilityId}/subscriptions: registers a webhook endpoint; the answer carries its secret, once. */
import { validateSubscriptionRequest } from '../generated/validators/validate-subscription-request.cjs';
import { httpHandler } from '../shared/handler.ts';
import { json, resourcePath } from '../shared/middleware.ts';
import { idempotencyStore } from '../store/idempotency-store.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { subscribe } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler(
  'createSubscription',
  async ({ caller, facilityId, body }) => {
    const created = await subscribe(webhookPorts, caller, facilityId, body);
    return json(created, 201, { location: resourcePath('facility', facilityId, 'subscriptions', created.subscriptionId) });
  },
  { validate: validateSubscriptionRequest },
  { idempotency: idempotencyStore },
);
