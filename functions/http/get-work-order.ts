/** GET /facility/{facilityId}/dispensingWorkorders/{workOrderNumber}: one order with its hub state. */
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { findOrders } from '../store/order-store.ts';
import { findOneOrder } from '../use-cases/manage-work-order.ts';
import { orderView } from './order-view.ts';

// The number and agency are checked as a body's identity would be (routes.ts): a value no order can have never reaches a table key.
export const handler = httpHandler('getWorkOrder', async ({ facilityId, params, query }) => {
  const order = await findOneOrder(findOrders, facilityId, params.workOrderNumber, query.agency);
  return json(await orderView(facilityId, order));
});
