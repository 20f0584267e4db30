/** PUT /facility/{facilityId}/dispensingWorkorders/{workOrderNumber}: the ERP upserts one order by its number. */
import { stringifyBooleans } from '../domain/documents.ts';
import { validateWorkOrderRequest } from '../generated/validators/validate-work-order-request.cjs';
import { withWarnings } from '../shared/body.ts';
import { httpHandler } from '../shared/handler.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { json, resourcePath } from '../shared/middleware.ts';
import { createOrders, loadOrderSlots, loadOrders, writeOrders } from '../store/order-store.ts';
import { upsertWorkOrder } from '../use-cases/manage-work-order.ts';

export const handler = httpHandler(
  'upsertWorkOrder',
  async ({ facilityId, warnings, extras, params, query, body }) => {
    const document = stringifyBooleans(body.dispensingWorkOrder[0]!);
    const kept = extras.get(0);
    const { result, status } = await upsertWorkOrder(
      { createOrders, loadOrders, loadOrderSlots, writeOrders },
      { facilityId, document, ...(kept ? { extras: kept } : {}), pathNumber: params.workOrderNumber, agencyParam: query.agency },
    );
    logger.info('work order upserted', { facilityId, outcome: result.outcome });
    countMetric('ordersPushed', 1);
    const results = withWarnings(warnings, [result]);
    if (result.outcome !== 'created') return json({ results, status }, 200);
    const path = resourcePath('facility', facilityId, 'dispensingWorkorders', params.workOrderNumber);
    return json({ results, status }, 201, {
      location: query.agency ? `${path}?agency=${encodeURIComponent(query.agency)}` : path,
    });
  },
  { envelope: { name: 'dispensingWorkOrder', kind: 'workOrder', single: true }, validate: validateWorkOrderRequest },
);
