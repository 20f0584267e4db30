/** POST /facility/{facilityId}/acknowledgeWorkOrderReceipt: the PCS accepts or rejects orders it received. */
import { validateAcknowledgementRequest } from '../generated/validators.cjs';
import type { AcknowledgeWorkOrderReceipt } from '../generated/documents.ts';
import { planAcknowledgements, type AcknowledgementDocument } from '../domain/acknowledgements.ts';
import { conflict } from '../domain/errors.ts';
import { loadOrders, writeOrders } from '../store/order-store.ts';
import { ConcurrentChangeError } from '../store/transact.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { httpHandler, json } from '../shared/middleware.ts';

const ATTEMPTS = 5;

export const handler = httpHandler<{ acknowledgeWorkOrderReceipt: AcknowledgeWorkOrderReceipt[] }>(
  'acknowledgeWorkOrders',
  async ({ facilityId, body }) => {
    const acks = body.acknowledgeWorkOrderReceipt as unknown as AcknowledgementDocument[];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const orders = await loadOrders(facilityId!, acks.map((a) => a.workOrderIdentifier));
      const plan = planAcknowledgements(acks, orders, Date.now());
      try {
        await writeOrders(plan.writes);
      } catch (e) {
        if (!(e instanceof ConcurrentChangeError)) throw e;
        logger.warn('concurrent change, retrying', { attempt });
        continue;
      }
      countMetric('acknowledgementsReceived', acks.length);
      return json({ results: plan.results });
    }
    throw conflict('The orders kept changing while this request was applied; nothing was applied. Retry the request.');
  },
  { envelope: { name: 'acknowledgeWorkOrderReceipt', kind: 'acknowledgement' }, validate: validateAcknowledgementRequest },
);
