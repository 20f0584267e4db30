/** GET /facility/{facilityId}/dispensingWorkRecords: the ERP's poll for records the PCS submitted. */
import { httpHandler } from '../shared/middleware.ts';
import { recordFromItem } from '../store/record-store.ts';
import { pollStream } from './poll-stream.ts';

export const handler = httpHandler('pollWorkRecords', async ({ event, caller, facilityId }) =>
  pollStream(event, caller, facilityId, {
    stream: 'RECORDS',
    envelope: 'dispensingWorkRecord',
    kind: 'workRecord',
    serve: (item) => recordFromItem(item).doc,
  }),
);
