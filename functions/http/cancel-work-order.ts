/** DELETE /facility/{facilityId}/dispensingWorkorders/{workOrderNumber}: the ERP cancels one order (never erased). */
import { parseAgencyParam, parseNumberParam } from '../domain/identity.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { httpHandler, json } from '../shared/middleware.ts';
import { findOrders, loadOrders, writeOrders } from '../store/order-store.ts';
import { cancelWorkOrder } from '../use-cases/manage-work-order.ts';
import { orderView } from './order-view.ts';

export const handler = httpHandler('cancelWorkOrder', async ({ event, facilityId }) => {
  const number = parseNumberParam(event.pathParameters?.workOrderNumber ?? '', 'workOrderNumber');
  const rawAgency = event.queryStringParameters?.agency;
  const agency = rawAgency === undefined ? undefined : parseAgencyParam(rawAgency);
  const { result, order } = await cancelWorkOrder({ loadOrders, writeOrders, findOrders }, { facilityId, number, agency });
  logger.info('work order cancelled', { facilityId, outcome: result.outcome });
  countMetric('ordersPushed', 1);
  return json({ ...(await orderView(facilityId, order)), outcome: result.outcome });
});
