/** GET /health: liveness, no key needed. */
import { httpHandler, json } from '../shared/middleware.ts';

export const handler = httpHandler('health', async () => json({ status: 'ok' }));
