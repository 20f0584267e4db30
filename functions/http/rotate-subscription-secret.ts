/** POST /facility/{facilityId}/subscriptions/{subscriptionId}/rotateSecret: a new secret; the old one signs beside it for 24 h. */

import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { idempotencyStore } from '../store/idempotency-store.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { rotateSecret } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler(
  'rotateSubscriptionSecret',
  async ({ params, caller, facilityId }) => json(await rotateSecret(webhookPorts, caller, facilityId, params.subscriptionId)),
  undefined,
  { idempotency: idempotencyStore },
);
