/**
 * The caller as the authorizer describes it. API Gateway passes the authorizer's context
 * to the route's function (requestContext.authorizer.lambda); values are strings there.
 */
import { type DocumentFormat, isDocumentFormat, isRole, type Role } from '../domain/api-keys.ts';

export type { DocumentFormat };

/** What the authorizer returns as context (all strings: API Gateway's rule for context values). */
export interface AuthorizerContext {
  keyId?: string;
  role?: string;
  /** Facility ids joined by commas ('*': every facility of the stack). */
  facilities?: string;
  format?: string;
  /** The key's IANA time zone for zone-less date-times; '' when it has none. */
  timeZone?: string;
}

export interface Caller {
  keyId: string;
  role: Role;
  facilities: readonly string[];
  format: DocumentFormat;
  /** The zone in which this client's zone-less date-times are read; null: they are refused. */
  timeZone: string | null;
}

/** The authorizer context for a valid key. */
export function contextOf(caller: Caller): Required<AuthorizerContext> {
  return {
    keyId: caller.keyId,
    role: caller.role,
    facilities: caller.facilities.join(','),
    format: caller.format,
    timeZone: caller.timeZone ?? '',
  };
}

/** The caller, or null when the authorizer found no valid key. */
export function callerFromContext(ctx: AuthorizerContext | undefined | null): Caller | null {
  if (!ctx?.keyId || !isRole(ctx.role)) return null;
  return {
    keyId: ctx.keyId,
    role: ctx.role,
    facilities: (ctx.facilities ?? '').split(',').filter(Boolean),
    format: isDocumentFormat(ctx.format) ? ctx.format : 'canonical',
    timeZone: ctx.timeZone ? ctx.timeZone : null,
  };
}
