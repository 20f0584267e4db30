/** POST /facility/{facilityId}/stockCounts: the PCS reports physical counts (idempotent by countId). */
import { validateStockCountsRequest } from '../generated/validators/validate-stock-counts-request.cjs';
import { httpHandler } from '../shared/handler.ts';
import { json } from '../shared/middleware.ts';
import { stockStore } from '../store/stock-movements-store.ts';
import { submitStockCounts } from '../use-cases/stock-movements.ts';

export const handler = httpHandler(
  'submitStockCounts',
  async ({ facilityId, body }) => json(await submitStockCounts(stockStore, { facilityId, counts: body.stockCounts })),
  { documents: 'stockCounts', validate: validateStockCountsRequest },
);
