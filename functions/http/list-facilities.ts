/** GET /facilities: every facility the key covers, with the health of its pollers, subscriptions and inputs. */
import { config, OPERATOR_SETTINGS } from '../shared/config.ts';
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { refusalCounts } from '../store/activity-store.ts';
import { deliveryLog } from '../store/delivery-store.ts';
import { allFacilities } from '../store/facility-list.ts';
import { facilityFigures } from '../store/facility-stats-store.ts';
import { operatorStore } from '../store/operator-store.ts';
import { subscriptionStore } from '../store/subscription-store.ts';
import { facilitiesOverview } from '../use-cases/operator-view.ts';
import { refusedLastDay } from '../use-cases/refused-requests.ts';

const ports = {
  store: operatorStore,
  subscriptions: subscriptionStore,
  deliveries: deliveryLog,
  figures: facilityFigures,
  refusedLastDay: async (f: string) => (await refusedLastDay({ counts: refusalCounts }, f, OPERATOR_SETTINGS.activityPerMinute)).refused,
  allFacilities,
};

export const handler = httpHandler('listFacilities', async ({ caller }) => {
  const { pollerSilentAfterMs: silentAfterMs, pollSettleMs: settleMs } = config();
  return json(await facilitiesOverview(ports, caller.facilities, { silentAfterMs, settleMs, backlogCap: OPERATOR_SETTINGS.backlogCap }));
});
