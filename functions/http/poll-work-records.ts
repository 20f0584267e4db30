/** GET /facility/{facilityId}/dispensingWorkRecords: the ERP's poll for records the PCS submitted. */
import { recordFromItem } from '../store/record-store.ts';
import { countMetric } from '../shared/metrics.ts';
import { httpHandler, json } from '../shared/middleware.ts';
import { pollStream } from './poll-stream.ts';

export const handler = httpHandler('pollWorkRecords', async ({ event, caller, facilityId }) => {
  const { documents, headers } = await pollStream(event, caller!, facilityId!, {
    stream: 'RECORDS',
    serve: (item) => recordFromItem(item).doc,
  });
  countMetric('polls');
  countMetric('documentsServed', documents.length);
  return json({ dispensingWorkRecord: documents }, 200, headers);
});
