/** POST /facility/{facilityId}/acknowledgeWorkOrderReceipt: the PCS accepts or rejects orders it received. */

import { type AcknowledgementDocument, planAcknowledgements } from '../domain/acknowledgements.ts';
import type { AcknowledgeWorkOrderReceipt } from '../generated/documents.ts';
import { validateAcknowledgementRequest } from '../generated/validators/validate-acknowledgement-request.cjs';
import { countMetric } from '../shared/metrics.ts';
import { httpHandler, json } from '../shared/middleware.ts';
import { loadOrders, writeOrders } from '../store/order-store.ts';
import { retryOnConcurrentChange } from '../store/transact.ts';

export const handler = httpHandler<{ acknowledgeWorkOrderReceipt: AcknowledgeWorkOrderReceipt[] }>(
  'acknowledgeWorkOrders',
  async ({ facilityId, body }) => {
    const acks = body.acknowledgeWorkOrderReceipt as unknown as AcknowledgementDocument[];
    const results = await retryOnConcurrentChange(async () => {
      const plan = planAcknowledgements(
        acks,
        await loadOrders(
          facilityId!,
          acks.map((a) => a.workOrderIdentifier),
        ),
        Date.now(),
      );
      await writeOrders(plan.writes);
      return plan.results;
    });
    countMetric('acknowledgementsReceived', acks.length);
    return json({ results });
  },
  { envelope: { name: 'acknowledgeWorkOrderReceipt', kind: 'acknowledgement' }, validate: validateAcknowledgementRequest },
);
