/** POST /facility/{facilityId}/receipts: the PCS reports goods received into stock (idempotent by receiptId). */
import { validateReceiptsRequest } from '../generated/validators/validate-receipts-request.cjs';
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { stockStore } from '../store/stock-movements-store.ts';
import { submitReceipts } from '../use-cases/stock-movements.ts';

export const handler = httpHandler(
  'submitReceipts',
  async ({ facilityId, body }) => json(await submitReceipts(stockStore, { facilityId, receipts: body.receipts })),
  { documents: 'receipts', validate: validateReceiptsRequest },
);
