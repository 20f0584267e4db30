/** GET /facility/{facilityId}/dispensingWorkRecords: the ERP's poll for records the PCS submitted. */

import { httpHandler } from '../shared/middleware.ts';
import { recordFromItem } from '../store/record-store.ts';
import { pollResponse, pollStream } from './poll-stream.ts';

export const handler = httpHandler('pollWorkRecords', async ({ event, caller, facilityId }) => {
  const result = await pollStream(event, caller!, facilityId!, {
    stream: 'RECORDS',
    serve: (item) => recordFromItem(item).doc,
  });
  return pollResponse('dispensingWorkRecord', 'workRecord', result);
});
