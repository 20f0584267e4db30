/**
 * The HTTP API's Lambda authorizer (simple responses, cached by API Gateway per x-api-key).
 * It resolves a key to its identity and nothing more: because API Gateway caches the
 * answer per key, not per route, the role and facility checks of each route happen in
 * the route's own middleware (shared/middleware.ts). An unknown or revoked key is passed
 * on without identity so that the route answers 401 as problem+json, which API Gateway
 * itself cannot.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { keyMatches, lastUseDue, parseKey } from '../domain/api-keys.ts';
import { type AuthorizerContext, contextOf } from '../shared/caller.ts';
import { OPERATOR_SETTINGS } from '../shared/config.ts';
import { logger } from '../shared/logger.ts';
import { getApiKey, noteKeyUse } from '../store/api-key-store.ts';

type Result = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

const anonymous: Result = { isAuthorized: true, context: { keyId: '' } };

export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<Result> {
  const presented = event.headers?.['x-api-key'] ?? event.identitySource?.[0];
  const parsed = parseKey(presented);
  if (!parsed) return anonymous;
  const record = await getApiKey(parsed.keyId);
  if (!record || !keyMatches(record, parsed.secret)) {
    logger.info('key rejected', { keyId: parsed.keyId, known: record !== null, revoked: Boolean(record?.revokedAt) });
    return anonymous;
  }
  // The key's last use (npm run keys -- list): written only when the stored one is a minute old,
  // and this runs at most once per key and cache period; a failure to note it refuses nothing.
  const now = Date.now();
  if (lastUseDue(record, now, OPERATOR_SETTINGS.keyLastUsedEveryMs)) {
    await noteKeyUse(record.keyId, new Date(now), new Date(now - OPERATOR_SETTINGS.keyLastUsedEveryMs)).catch((e: Error) =>
      logger.warn('last use of key not noted', { keyId: record.keyId, error: e.message }),
    );
  }
  return {
    isAuthorized: true,
    context: contextOf({
      keyId: record.keyId,
      role: record.role,
      facilities: record.facilities,
      format: record.format,
      timeZone: record.timeZone,
    }),
  };
}
