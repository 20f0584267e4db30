/** GET /facility/{facilityId}/dispensingWorkRecords/{workRecordNumber}: one record with its revision, status and audit trail. */
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { findRecords, recordRevisions } from '../store/record-store.ts';
import { getWorkRecord } from '../use-cases/correct-work-records.ts';

export const handler = httpHandler('getWorkRecord', async ({ facilityId, params, query }) =>
  json(
    await getWorkRecord(
      { findRecords, recordRevisions },
      {
        facilityId,
        number: params.workRecordNumber,
        agency: query.agency,
        revision: query.revision === undefined ? undefined : Number(query.revision),
      },
    ),
  ),
);
