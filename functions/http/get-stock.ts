/** GET /facility/{facilityId}/stock: stock per component and location, from balances (never from records). */
import { exactJson } from '../shared/exact-json.ts';
import { httpHandler } from '../shared/handler.ts';
import { stockStore } from '../store/stock-movements-store.ts';
import { getStock, parseStockQuery } from '../use-cases/read-stock.ts';

export const handler = httpHandler('getStock', async ({ facilityId, query }) =>
  exactJson(await getStock(stockStore, facilityId, parseStockQuery(query)), ['value', 'kilograms']),
);
