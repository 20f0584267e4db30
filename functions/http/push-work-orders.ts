/** POST /facility/{facilityId}/dispensingWorkorders: the ERP pushes creates, updates, holds and cancels. */

import { enforceStoredSizes, stringifyBooleans } from '../domain/documents.ts';
import { planOrderBatch, type WorkOrderDocument } from '../domain/work-orders.ts';
import type { DispensingWorkOrder } from '../generated/documents.ts';
import { validateWorkOrderRequest } from '../generated/validators/validate-work-order-request.cjs';
import { LIMITS } from '../shared/config.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { httpHandler, json } from '../shared/middleware.ts';
import { loadOrders, writeOrders } from '../store/order-store.ts';
import { retryOnConcurrentChange } from '../store/transact.ts';

export const handler = httpHandler<{ dispensingWorkOrder: DispensingWorkOrder[] }>(
  'pushWorkOrders',
  async ({ facilityId, body }) => {
    const facility = facilityId!;
    const docs = body.dispensingWorkOrder.map((d) => stringifyBooleans(d) as unknown as WorkOrderDocument);
    enforceStoredSizes(docs, '/dispensingWorkOrder', LIMITS);
    const identities = docs.map((d) => d.workOrderIdentifier);

    const results = await retryOnConcurrentChange(async () => {
      const plan = planOrderBatch(docs, await loadOrders(facility, identities), facility, Date.now());
      await writeOrders(plan.writes);
      logger.info('work orders pushed', { facilityId: facility, documents: docs.length, written: plan.writes.length });
      return plan.results;
    });
    countMetric('ordersPushed', docs.length);
    return json({ results });
  },
  { envelope: { name: 'dispensingWorkOrder', kind: 'workOrder' }, validate: validateWorkOrderRequest },
);
