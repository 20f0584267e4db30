/** GET /facility/{facilityId}/dispensingWorkRecords: the ERP's poll for records the PCS submitted. */
import { httpHandler } from '../shared/handler.ts';
import { POLLED_KINDS } from '../use-cases/polled-kinds.ts';
import { pollStream } from './poll-stream.ts';

export const handler = httpHandler('pollWorkRecords', async ({ event, caller, facilityId, query }) =>
  pollStream(event, caller, facilityId, POLLED_KINDS.dispensingWorkRecord, query),
);
