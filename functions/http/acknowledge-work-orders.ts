/** POST /facility/{facilityId}/acknowledgeWorkOrderReceipt: the PCS accepts or rejects orders it received. */
import { validateAcknowledgementRequest } from '../generated/validators/validate-acknowledgement-request.cjs';
import { extrasList, withWarnings } from '../shared/body.ts';
import { httpHandler } from '../shared/handler.ts';
import { countMetric } from '../shared/metrics.ts';
import { json } from '../shared/middleware.ts';
import { loadOrders, writeOrders } from '../store/order-store.ts';
import { acknowledgeWorkOrders } from '../use-cases/acknowledge-work-orders.ts';

export const handler = httpHandler(
  'acknowledgeWorkOrders',
  async ({ warnings, extras, facilityId, body }) => {
    const acknowledgements = body.acknowledgeWorkOrderReceipt;
    const results = await acknowledgeWorkOrders(
      { loadOrders, writeOrders },
      { facilityId, acknowledgements, extras: extrasList(extras, acknowledgements.length) },
    );
    countMetric('acknowledgementsReceived', acknowledgements.length);
    return json({ results: withWarnings(warnings, results) });
  },
  { envelope: { name: 'acknowledgeWorkOrderReceipt', kind: 'acknowledgement' }, validate: validateAcknowledgementRequest },
);
