/**
 * POST /facility/{facilityId}/dispensingWorkRecords: the PCS reports what it dispensed, with
 * Bills of Lading inline or by reference to a direct upload (functions/use-cases/submit-work-records.ts).
 */
import { stringifyBooleans } from '../domain/documents.ts';
import { validateWorkRecordRequest } from '../generated/validators/validate-work-record-request.cjs';
import { extrasList, withWarnings } from '../shared/body.ts';
import { httpHandler } from '../shared/handler.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { json } from '../shared/middleware.ts';
import { recordSubmissionStore } from '../store/record-submission-store.ts';
import { submitWorkRecords } from '../use-cases/submit-work-records.ts';

export const handler = httpHandler(
  'submitWorkRecords',
  async ({ context, warnings, extras, facilityId, caller, body }) => {
    const records = body.dispensingWorkRecord.map(stringifyBooleans);
    const { results, created } = await submitWorkRecords(recordSubmissionStore, {
      facilityId,
      keyId: caller.keyId,
      records,
      extras: extrasList(extras, records.length),
      // Derive rounds start only in the first half of the time left: the answer (the records are
      // stored) is never a timeout because the figures were slow; the stream derives the rest.
      deriveUntil: Date.now() + context.getRemainingTimeInMillis() / 2,
    });
    countMetric('recordsReceived', created);
    logger.info('work records submitted', { facilityId, records: records.length, created });
    return json({ results: withWarnings(warnings, results) });
  },
  { envelope: { name: 'dispensingWorkRecord', kind: 'workRecord' }, validate: validateWorkRecordRequest },
);
