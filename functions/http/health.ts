/** GET /health: liveness, no key needed. */
import { json, publicHandler } from '../shared/middleware.ts';

export const handler = publicHandler('health', async () => json({ status: 'ok' }));
