/** DELETE /facility/{facilityId}/dispensingWorkorders/{workOrderNumber}: the ERP cancels one order (never erased). */

import { httpHandler } from '../shared/handler.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { json } from '../shared/middleware.ts';
import { findOrders, loadOrders, writeOrders } from '../store/order-store.ts';
import { cancelWorkOrder } from '../use-cases/manage-work-order.ts';
import { orderView } from './order-view.ts';

export const handler = httpHandler('cancelWorkOrder', async ({ facilityId, params, query }) => {
  const { result, order } = await cancelWorkOrder(
    { loadOrders, writeOrders, findOrders },
    { facilityId, number: params.workOrderNumber, agency: query.agency },
  );
  logger.info('work order cancelled', { facilityId, outcome: result.outcome });
  countMetric('ordersPushed', 1);
  return json({ ...(await orderView(facilityId, order)), outcome: result.outcome });
});
