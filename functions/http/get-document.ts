/** GET /facility/{facilityId}/documents/{documentId}: 302 to a presigned download valid for 5 minutes. */
import { isDocumentId } from '../domain/bills-of-lading.ts';
import { notFound } from '../domain/errors.ts';
import { httpHandler } from '../shared/handler.ts';
import { countMetric } from '../shared/metrics.ts';
import { getDocumentRow, presignDownload } from '../store/document-store.ts';

export const handler = httpHandler('getDocument', async ({ facilityId, params: { documentId } }) => {
  // A malformed id cannot name a document: the same 404 as an unknown one.
  const row = isDocumentId(documentId) ? await getDocumentRow(facilityId, documentId) : null;
  if (row?.status !== 'stored') throw notFound(`No stored document ${documentId} at facility ${facilityId}.`);
  countMetric('documentsServed');
  return { statusCode: 302, headers: { location: await presignDownload(row), 'cache-control': 'no-store' }, body: '' };
});
