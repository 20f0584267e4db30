/** GET /facility/{facilityId}/purchaseOrders: the poll of purchaseOrders changed since lastExecutionDateTime (the work orders' no-loss rules). */
import { masterPollHandler } from './master-data.ts';

export const handler = masterPollHandler('pollPurchaseOrders', 'purchaseOrders');
