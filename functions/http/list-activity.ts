/** GET /facility/{facilityId}/activity: the facility's refused requests (the problem answered, who, when), newest first. */
import { OPERATOR_SETTINGS } from '../shared/config.ts';
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { refusalCounts, refusalPage } from '../store/activity-store.ts';
import { operatorStore } from '../store/operator-store.ts';
import { readActivity } from '../use-cases/refused-requests.ts';

const ports = { page: refusalPage, counts: refusalCounts, keyInfo: operatorStore.keyInfo };

export const handler = httpHandler('listActivity', async ({ facilityId, query }) =>
  json(await readActivity(ports, facilityId, query, OPERATOR_SETTINGS.activityPerMinute)),
);
