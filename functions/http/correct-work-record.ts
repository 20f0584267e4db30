/** PUT /facility/{facilityId}/dispensingWorkRecords/{workRecordNumber}: the PCS corrects one record (a new revision). */
import { stringifyBooleans } from '../domain/documents.ts';
import { parseIfMatch } from '../domain/record-revisions.ts';
import { validateWorkRecordRequest } from '../generated/validators/validate-work-record-request.cjs';
import { withWarnings } from '../shared/body.ts';
import { httpHandler } from '../shared/handler.ts';
import { logger } from '../shared/logger.ts';
import { json } from '../shared/middleware.ts';
import { derivedFiguresStore } from '../store/derive-store.ts';
import { recordCorrectionStore } from '../store/record-correction-store.ts';
import { correctWorkRecord, withDerivedFigures } from '../use-cases/correct-work-records.ts';

export const handler = httpHandler(
  'correctWorkRecord',
  async ({ event, warnings, extras, facilityId, caller, params, query, body }) => {
    const result = await correctWorkRecord(
      withDerivedFigures(recordCorrectionStore, derivedFiguresStore),
      {
        facilityId,
        keyId: caller.keyId,
        document: stringifyBooleans(body.dispensingWorkRecord[0]!),
        extras: extras.get(0),
        pathNumber: params.workRecordNumber,
        agencyParam: query.agency,
        ifMatch: parseIfMatch(event.headers?.['if-match']),
      },
      Date.now,
      (e) => logger.warn('figures not derived after a correction (the change stream derives them)', e as Error),
    );
    logger.info('work record corrected', { facilityId, outcome: result.outcome, revision: result.revision });
    return json({ results: withWarnings(warnings, [result]) });
  },
  { envelope: { name: 'dispensingWorkRecord', kind: 'workRecord', single: true }, validate: validateWorkRecordRequest },
);
