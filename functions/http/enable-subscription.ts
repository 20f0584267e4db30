/** POST /facility/{facilityId}/subscriptions/{subscriptionId}/enable: re-enables a disabled subscription. */
import { httpHandler, json } from '../shared/middleware.ts';
import { enable } from '../use-cases/manage-subscriptions.ts';

export const handler = httpHandler('enableSubscription', async ({ params, caller, facilityId }) =>
  json(await enable(caller, facilityId, params.subscriptionId)),
);
