/** The order view of API.md ("One order"): what GET of one order answers, and DELETE with its outcome. */
import { productLines } from '../domain/order-summary.ts';
import { isoMs } from '../domain/time.ts';
import type { OrderState } from '../domain/work-orders.ts';
import { recordsOfOrder } from '../store/record-store.ts';

/** The order with its hub state, its records (summarised), their documents and per-product totals. */
export async function orderView(facilityId: string, order: OrderState): Promise<Record<string, unknown>> {
  const records = await recordsOfOrder(facilityId, order.agency, order.number);
  const base = `/facility/${facilityId}/documents/`;
  return {
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
  };
}
