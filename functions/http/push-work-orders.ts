/** POST /facility/{facilityId}/dispensingWorkorders: the ERP pushes creates, updates, holds and cancels. */
import { validateWorkOrderRequest } from '../generated/validators.cjs';
import type { DispensingWorkOrder } from '../generated/documents.ts';
import { conflict } from '../domain/errors.ts';
import { enforceStoredSizes, stringifyBooleans } from '../domain/documents.ts';
import { planOrderBatch, type WorkOrderDocument } from '../domain/work-orders.ts';
import { loadOrders, writeOrders } from '../store/order-store.ts';
import { ConcurrentChangeError } from '../store/transact.ts';
import { LIMITS } from '../shared/config.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { httpHandler, json } from '../shared/middleware.ts';

/** Read-decide-write rounds before a batch that keeps meeting concurrent writers gives up. */
const ATTEMPTS = 5;

export const handler = httpHandler<{ dispensingWorkOrder: DispensingWorkOrder[] }>(
  'pushWorkOrders',
  async ({ facilityId, body }) => {
    const facility = facilityId!;
    const docs = body.dispensingWorkOrder.map((d) => stringifyBooleans(d) as unknown as WorkOrderDocument);
    enforceStoredSizes(docs, '/dispensingWorkOrder', LIMITS);
    const identities = docs.map((d) => d.workOrderIdentifier);

    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const current = await loadOrders(facility, identities);
      const plan = planOrderBatch(docs, current, facility, Date.now());
      try {
        await writeOrders(plan.writes);
        countMetric('ordersPushed', docs.length);
        logger.info('work orders pushed', { facilityId: facility, documents: docs.length, written: plan.writes.length });
        return json({ results: plan.results });
      } catch (e) {
        if (!(e instanceof ConcurrentChangeError)) throw e;
        logger.warn('concurrent change, retrying', { attempt });
      }
    }
    throw conflict('The orders kept changing while this request was applied; nothing was applied. Retry the request.');
  },
  { envelope: { name: 'dispensingWorkOrder', kind: 'workOrder' }, validate: validateWorkOrderRequest },
);
