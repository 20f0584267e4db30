/** POST /facility/{facilityId}/subscriptions/{subscriptionId}/replay: delivers again every change since a time (202). */
import { validateReplayRequest } from '../generated/validators/validate-replay-request.cjs';
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { idempotencyStore } from '../store/idempotency-store.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { replay } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler(
  'replaySubscription',
  async ({ params, caller, facilityId, body }) =>
    json(await replay(webhookPorts, caller, facilityId, params.subscriptionId, body.since), 202),
  { validate: validateReplayRequest },
  { idempotency: idempotencyStore },
);
