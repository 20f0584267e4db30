/** GET /facility/{facilityId}/consumption: what was dispensed in a period (placeholder until the report lands). */
import { notFound } from '../domain/errors.ts';
import { httpHandler } from '../shared/middleware.ts';

export const handler = httpHandler('getConsumption', async () => {
  throw notFound('The consumption report is not available yet.');
});
