/** GET /facility/{facilityId}/subscriptions: the caller's webhook subscriptions there (an erp * key sees all). */

import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { listOwn } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler('listSubscriptions', async ({ caller, facilityId }) =>
  json({ subscriptions: await listOwn(webhookPorts, caller, facilityId) }),
);
