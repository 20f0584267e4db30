/** GET /facility/{facilityId}/dispensingWorkorders/{workOrderNumber}: one order with its hub state. */
import { conflict, notFound } from '../domain/errors.ts';
import { parseAgencyParam, parseNumberParam } from '../domain/identity.ts';
import { productLines } from '../domain/order-summary.ts';
import { isoMs } from '../domain/time.ts';
import { httpHandler, json } from '../shared/middleware.ts';
import { findOrders } from '../store/order-store.ts';
import { recordsOfOrder } from '../store/record-store.ts';

export const handler = httpHandler('getWorkOrder', async ({ event, facilityId }) => {
  // Checked as a body's identity would be: a value no order can have never reaches a table key.
  const number = parseNumberParam(event.pathParameters?.workOrderNumber ?? '', 'workOrderNumber');
  const rawAgency = event.queryStringParameters?.agency;
  const agency = rawAgency === undefined ? undefined : parseAgencyParam(rawAgency);
  const found = await findOrders(facilityId, number, agency);
  if (found.length === 0) {
    throw notFound(`No work order ${number}${agency ? ` (${agency})` : ''} at facility ${facilityId}.`);
  }
  if (found.length > 1) {
    throw conflict(`${found.length} agencies use work order number ${number} at this facility; add ?agency= to choose one.`, [
      ...found.map((o) => ({ path: '/queryStringParameters/agency', message: `candidate: ${o.agency}` })),
    ]);
  }
  const order = found[0]!;
  const records = await recordsOfOrder(facilityId, order.agency, order.number);
  const base = `/facility/${facilityId}/documents/`;
  return json({
    workOrder: order.doc,
    status: order.status,
    revision: order.revision,
    modifiedAt: isoMs(order.modifiedAt),
    acknowledgement: order.acknowledgement ?? null,
    // Summaries: the full records are served by the records poll (an order may have many batches).
    records: records.map((r) => ({
      workRecordIdentifier: r.doc.workRecordIdentifier,
      orderStatus: r.doc.orderStatus,
      ...(r.doc.batchNumber !== undefined ? { batchNumber: r.doc.batchNumber } : {}),
      ...(r.doc.numberOfBatches !== undefined ? { numberOfBatches: r.doc.numberOfBatches } : {}),
      workRecordCreationDateTime: r.doc.workRecordCreationDateTime,
      receivedAt: isoMs(r.receivedAt),
      documentIds: r.documents.map((d) => d.documentId),
    })),
    documents: records.flatMap((r) => r.documents.map((d) => ({ ...d, workRecordNumber: r.number, href: base + d.documentId }))),
    products: productLines(
      order.doc,
      records.map((r) => r.doc),
    ),
  });
});
