/** GET /facility/{facilityId}/purchaseOrders/{purchaseOrderNumber}: one purchase order with what each line received. */
import { exactJson } from '../shared/exact-json.ts';
import { httpHandler } from '../shared/handler.ts';
import { stockStore } from '../store/stock-movements-store.ts';
import { getPurchaseOrder } from '../use-cases/read-stock.ts';

export const handler = httpHandler('getPurchaseOrder', async ({ facilityId, params, query }) =>
  exactJson(await getPurchaseOrder(stockStore, facilityId, params.purchaseOrderNumber, query.agency), ['value']),
);
