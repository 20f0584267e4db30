/** GET /facility/{facilityId}/purchaseOrders/{purchaseOrderNumber}: one purchase order with what each line received. */
import { parseAgencyParam, parseNumberParam } from '../domain/identity.ts';
import { exactJson } from '../shared/exact-json.ts';
import { httpHandler } from '../shared/middleware.ts';
import { stockStore } from '../store/stock-movements-store.ts';
import { getPurchaseOrder } from '../use-cases/read-stock.ts';

export const handler = httpHandler('getPurchaseOrder', async ({ event, facilityId }) => {
  const number = parseNumberParam(event.pathParameters?.purchaseOrderNumber ?? '', 'purchaseOrderNumber');
  const rawAgency = event.queryStringParameters?.agency;
  const agency = rawAgency === undefined ? undefined : parseAgencyParam(rawAgency);
  return exactJson(await getPurchaseOrder(stockStore, facilityId, number, agency), ['value']);
});
