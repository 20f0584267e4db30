/** POST /facility/{facilityId}/dispensingWorkorders: the ERP pushes creates, updates, holds and cancels. */
import { stringifyBooleans } from '../domain/documents.ts';
import { validateWorkOrderRequest } from '../generated/validators/validate-work-order-request.cjs';
import { extrasList, withWarnings } from '../shared/body.ts';
import { httpHandler } from '../shared/handler.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { json } from '../shared/middleware.ts';
import { createOrders, loadOrderSlots, writeOrders } from '../store/order-store.ts';
import { pushWorkOrders } from '../use-cases/push-work-orders.ts';

export const handler = httpHandler(
  'pushWorkOrders',
  async ({ warnings, extras, facilityId, body }) => {
    const documents = body.dispensingWorkOrder.map(stringifyBooleans);
    const { results, written } = await pushWorkOrders(
      { createOrders, loadOrderSlots, writeOrders },
      { facilityId, documents, extras: extrasList(extras, documents.length) },
    );
    logger.info('work orders pushed', { facilityId, documents: documents.length, written });
    countMetric('ordersPushed', documents.length);
    return json({ results: withWarnings(warnings, results) });
  },
  { envelope: { name: 'dispensingWorkOrder', kind: 'workOrder' }, validate: validateWorkOrderRequest },
);
