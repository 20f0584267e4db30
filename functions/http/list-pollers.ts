/** GET /facility/{facilityId}/pollers: each poller (key × kind) of the facility and each webhook subscription, with its state. */
import { config, OPERATOR_SETTINGS } from '../shared/config.ts';
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { deliveryLog } from '../store/delivery-store.ts';
import { operatorStore } from '../store/operator-store.ts';
import { subscriptionStore } from '../store/subscription-store.ts';
import { readPollers } from '../use-cases/operator-view.ts';

export const handler = httpHandler('listPollers', async ({ facilityId }) => {
  const { pollerSilentAfterMs: silentAfterMs, pollSettleMs: settleMs } = config();
  const ports = { store: operatorStore, subscriptions: subscriptionStore, deliveries: deliveryLog };
  return json(await readPollers(ports, facilityId, { silentAfterMs, settleMs, backlogCap: OPERATOR_SETTINGS.backlogCap }));
});
