/** GET /openapi.json: the OpenAPI 3.1 document, built with the handlers (scripts/build-openapi.ts); no key needed. */
import openapi from '../generated/openapi.json' with { type: 'json' };
import { publicHandler } from '../shared/middleware.ts';

// Serialized once per cold start: the document is the same for every request.
const body = JSON.stringify(openapi);

export const handler = publicHandler('openApi', async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' },
  body,
}));
