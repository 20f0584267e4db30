/** GET /facility/{facilityId}/dispensingWorkorders/{workOrderNumber}: one order with its hub state. */
import { parseAgencyParam, parseNumberParam } from '../domain/identity.ts';
import { httpHandler, json } from '../shared/middleware.ts';
import { findOrders } from '../store/order-store.ts';
import { findOneOrder } from '../use-cases/manage-work-order.ts';
import { orderView } from './order-view.ts';

export const handler = httpHandler('getWorkOrder', async ({ event, facilityId }) => {
  // Checked as a body's identity would be: a value no order can have never reaches a table key.
  const number = parseNumberParam(event.pathParameters?.workOrderNumber ?? '', 'workOrderNumber');
  const rawAgency = event.queryStringParameters?.agency;
  const agency = rawAgency === undefined ? undefined : parseAgencyParam(rawAgency);
  const order = await findOneOrder(findOrders, facilityId, number, agency);
  return json(await orderView(facilityId, order));
});
