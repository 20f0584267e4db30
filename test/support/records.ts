/**
 * Builders of valid canonical work records and acknowledgements for tests, from our own
 * fixture (a batch of the blended order of test/fixtures/work-order-blended.json), and the
 * associatedDocument entries that carry Bills of Lading inline or by reference.
 */

import type { AcknowledgeWorkOrderReceipt, AssociatedDocument, DispensingWorkRecord } from '../../functions/generated/documents.ts';
import batch from '../fixtures/work-record-batch.json' with { type: 'json' };

/** The agency under which the hub names stored documents (the standard's spelling). */
export const HUB_AGENCY = 'AssignedByReciever';
export const DOCUMENT_ID = /^doc_[0-9a-f]{32}$/;

export interface RecordOptions {
  /** The work order the record reports on (default the fixture's). */
  order?: string;
  orderAgency?: string;
  agency?: string;
  status?: 'inProgress' | 'complete';
  /** [batchNumber, numberOfBatches] */
  batch?: [number, number];
  /** Actual pounds of the two products (DAP, potash). */
  actual?: [number, number];
  documents?: AssociatedDocument[];
  /** Changes the content without changing the identity. */
  note?: string;
}

/** A valid work record with this number. */
export function workRecord(number: string, options: RecordOptions = {}): DispensingWorkRecord {
  const doc = structuredClone(batch) as unknown as DispensingWorkRecord;
  doc.workRecordIdentifier = { agency: (options.agency ?? 'AssignedBySender') as never, number };
  if (options.order !== undefined || options.orderAgency !== undefined) {
    doc.workOrderIdentifier = {
      agency: (options.orderAgency ?? 'AssignedBySender') as never,
      number: options.order ?? doc.workOrderIdentifier.number,
    };
  }
  if (options.status) doc.orderStatus = options.status;
  if (options.batch) [doc.batchNumber, doc.numberOfBatches] = options.batch;
  if (options.actual) {
    const [dap, potash] = doc.productGroup[0]!.product;
    dap!.actualQuantity.value = options.actual[0];
    potash!.actualQuantity.value = options.actual[1];
  }
  if (options.documents) doc.associatedDocument = options.documents;
  if (options.note !== undefined) doc.groupDescription = options.note;
  return doc;
}

/** The envelope of a record submission. */
export const records = (...docs: DispensingWorkRecord[]) => ({ dispensingWorkRecord: docs });

/** A Bill of Lading carried inline (base64) under the PCS's own ticket number. */
export function inlineDocument(
  bytes: Uint8Array,
  extension: string,
  options: { ticket?: string; fileName?: string; documentType?: string } = {},
): AssociatedDocument {
  return {
    identifier: [{ agency: 'AssignedBySender', number: options.ticket ?? 'BOL-1' }],
    extension,
    documentType: (options.documentType ?? 'BillOfLading') as never,
    ...(options.fileName ? { fileName: options.fileName } : {}),
    file: Buffer.from(bytes).toString('base64'),
  };
}

/** A Bill of Lading sent by direct upload, named by its documentId. */
export function referencedDocument(documentId: string, extension = 'pdf'): AssociatedDocument {
  return {
    identifier: [{ agency: HUB_AGENCY as never, number: documentId }],
    extension,
    documentType: 'BillOfLading',
  };
}

/** A valid acknowledgement of this order. */
export function acknowledgement(
  order: string,
  status: 'accepted' | 'rejected',
  options: { agency?: string; reasons?: AcknowledgeWorkOrderReceipt['reasons'] } = {},
): AcknowledgeWorkOrderReceipt {
  return {
    header: {
      sender: { agency: 'AssignedBySender', number: 'PCS-PLANT-7', name: 'Plant 7 blender' },
      receiver: { agency: 'AssignedBySender', number: 'ERP-NORTHFIELD', name: 'Northfield Co-op ERP' },
      thisDocumentIdentifier: `ack-${order}-${status}`,
      creationDateTime: '2026-04-02T07:20:00.000-05:00',
    },
    workOrderIdentifier: { agency: (options.agency ?? 'AssignedBySender') as never, number: order },
    acknowledgeWorkOrderStatusCode: status,
    acknowledgeWorkOrderDateTime: '2026-04-02T07:19:58.000-05:00',
    ...(options.reasons ? { reasons: options.reasons } : {}),
  };
}

/** The envelope of an acknowledgement submission. */
export const acknowledgements = (...docs: AcknowledgeWorkOrderReceipt[]) => ({ acknowledgeWorkOrderReceipt: docs });

/** The same JSON value with every object's keys in reverse order (same content, other text). */
export function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    ) as T;
  }
  return value;
}
