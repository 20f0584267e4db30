/** POST /facility/{facilityId}/dispensingWorkRecords/{workRecordNumber}/void: the PCS voids one record (a correction to zero quantities). */
import { validateVoidWorkRecordRequest } from '../generated/validators/validate-void-work-record-request.cjs';
import { httpHandler } from '../shared/handler.ts';
import { logger } from '../shared/logger.ts';
import { json } from '../shared/middleware.ts';
import { derivedFiguresStore } from '../store/derive-store.ts';
import { idempotencyStore } from '../store/idempotency-store.ts';
import { recordCorrectionStore } from '../store/record-correction-store.ts';
import { voidWorkRecord, withDerivedFigures } from '../use-cases/correct-work-records.ts';

export const handler = httpHandler(
  'voidWorkRecord',
  async ({ facilityId, caller, params, query, body }) => {
    const result = await voidWorkRecord(
      withDerivedFigures(recordCorrectionStore, derivedFiguresStore),
      { facilityId, keyId: caller.keyId, number: params.workRecordNumber, agency: query.agency, reason: body.reason },
      Date.now,
      (e) => logger.warn('figures not derived after a void (the change stream derives them)', e as Error),
    );
    logger.info('work record voided', { facilityId, outcome: result.outcome, revision: result.revision });
    return json(result);
  },
  { validate: validateVoidWorkRecordRequest },
  { idempotency: idempotencyStore },
);
