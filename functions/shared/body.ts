/**
 * The body half of the middleware stack (POST routes): size and nesting limits checked
 * before anything parses (and the bytes decoded as strict UTF-8), the JSON body parser, the
 * well-formed Unicode check of every string, the document envelope (bare arrays and the
 * standard's older form accepted), and the precompiled schema validator, whose errors
 * point at the paths the client sent.
 */

import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import validator from '@middy/validator';
import type { ErrorObject } from 'ajv';
import { isJsonObject } from '../domain/documents.ts';
import { type ErrorItem, HubError, invalidInput, tooLarge } from '../domain/errors.ts';
import {
  type DocumentKind,
  type Extras,
  fromLegacy,
  isLegacyDocument,
  resolveZonelessDateTimes,
  type Warning,
  ZONELESS_HINT,
} from '../domain/legacy-form.ts';
import { callerFromContext } from './caller.ts';
import { LIMITS } from './config.ts';
import { exceedsJsonDepth } from './json-depth.ts';
import type { HubEvent, HubResult } from './middleware.ts';
import { decodeUtf8, illFormedStrings } from './well-formed.ts';

/** A compiled (standalone) ajv validate function. */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}

/** How a POST route's body of type B is read: the document envelope (document routes) and the compiled validator. */
export interface BodySpec<B = unknown> {
  /** The envelope's property and the kind of document it carries. */
  envelope?: { name: string; kind: DocumentKind; single?: boolean };
  /**
   * The property holding the batch of a route without an envelope (receipts, stock counts,
   * master data): counted by the same rule as the envelope's documents (documentCount).
   */
  documents?: string;
  /** A generated validator: a type guard of the schema's type (functions/generated/). */
  validate: ((data: unknown) => data is B) & { errors?: unknown[] | null };
}

/** Per document index, how canonical paths map back to what the client sent (older-form documents only). */
type ClientPaths = ReadonlyMap<number, (canonicalPath: string) => string>;
/** Per document index, the values the canonical form cannot hold (named in that document's result). */
export type DocumentWarnings = ReadonlyMap<number, Warning[]>;
/** Per document index, those values as kept with the document (older-form documents that had any). */
export type DocumentExtras = ReadonlyMap<number, Extras>;

/** What the body middlewares learnt of one request's body, for the validator and the handler. */
interface BodyState {
  clientPaths: ClientPaths;
  warnings: DocumentWarnings;
  extras: DocumentExtras;
  /** The body the validator admitted. */
  body?: unknown;
}

const NO_DOCUMENTS: BodyState = { clientPaths: new Map(), warnings: new Map(), extras: new Map() };
/** Per request (its event): filled by the envelope and the validator, read by httpHandler. */
const bodyStates = new WeakMap<HubEvent, BodyState>();
const stateOf = (event: HubEvent): BodyState => {
  let state = bodyStates.get(event);
  if (!state) {
    state = { ...NO_DOCUMENTS };
    bodyStates.set(event, state);
  }
  return state;
};

/** The validated body of a request (undefined on a route without one), its documents' warnings and extras. */
export function bodyOf(event: HubEvent): { body: unknown; warnings: DocumentWarnings; extras: DocumentExtras } {
  const state = bodyStates.get(event) ?? NO_DOCUMENTS;
  return { body: state.body, warnings: state.warnings, extras: state.extras };
}

/** The extras of each of `count` documents, in order (undefined: none), as the use cases take them. */
export function extrasList(extras: DocumentExtras, count: number): (Extras | undefined)[] | undefined {
  return extras.size === 0 ? undefined : Array.from({ length: count }, (_, i) => extras.get(i));
}

/**
 * Adds to each result the warnings of its document (`warnings: [{path, message}]`, only where
 * there are any): what the canonical form could not hold of what the client sent.
 */
export function withWarnings<R extends { index: number }>(warnings: DocumentWarnings, results: R[]): (R & { warnings?: Warning[] })[] {
  if (warnings.size === 0) return results;
  return results.map((r) => {
    const w = warnings.get(r.index);
    return w && w.length > 0 ? { ...r, warnings: w } : r;
  });
}

/** The content types the JSON body parser accepts (the pattern @middy/http-json-body-parser uses). */
const JSON_CONTENT_TYPE = /^application\/([a-z0-9.+-]+\+)?json(;|$)/i;

/** Body size and nesting limits, checked before anything parses or walks the body. */
function bodyGuard(): MiddlewareObj<HubEvent, HubResult> {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      if (body === undefined || body === '') throw invalidInput('The request needs a JSON body.');
      const bytes = isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body);
      if (bytes > LIMITS.maxRequestBytes) {
        throw tooLarge(`The body has ${bytes} bytes; at most ${LIMITS.maxRequestBytes} are accepted.`);
      }
      let text = body;
      if (isBase64Encoded) {
        // Decoded here once, strictly: a lossy decode would let distinct bytes become one identity.
        const decoded = decodeUtf8(Buffer.from(body, 'base64'));
        if (decoded !== null) {
          text = decoded;
          request.event.body = text;
          request.event.isBase64Encoded = false;
        } else if (JSON_CONTENT_TYPE.test(request.event.headers?.['content-type'] ?? '')) {
          throw invalidInput('The body is not valid UTF-8; send JSON encoded as UTF-8.', [{ path: '/', message: 'is not valid UTF-8' }]);
        } else {
          // Not sent as JSON at all: the body parser answers 415, as before.
          return;
        }
      }
      if (exceedsJsonDepth(text, LIMITS.maxJsonDepth)) {
        throw invalidInput(`The body nests deeper than ${LIMITS.maxJsonDepth} levels.`);
      }
    },
  };
}

/**
 * Every string of the parsed body, property names included, must be well-formed Unicode
 * (JSON escapes can spell lone surrogates). Runs before the envelope, so the pointers name
 * what the client sent; a bare array is reported under the envelope's name, as every other
 * error of a document route is.
 */
function wellFormedStrings(envelopeName?: string): MiddlewareObj<HubEvent, HubResult> {
  return {
    before: (request) => {
      const body = (request.event as unknown as { body: unknown }).body;
      const prefix = envelopeName && Array.isArray(body) ? `/${envelopeName}` : '';
      const errors = illFormedStrings(body, prefix);
      if (errors.length > 0) {
        throw invalidInput('The body has text that is not well-formed Unicode (lone surrogates); nothing was applied.', errors);
      }
    },
  };
}

/**
 * The one rule for too many documents, on every route that takes a batch: more than
 * LIMITS.maxDocumentsPerRequest documents is a 413 naming the batch, before any document is read
 * (a bare array and the older form's PascalCase envelope are counted as the envelope).
 */
function documentCount(name: string): MiddlewareObj<HubEvent, HubResult> {
  const pascal = name[0]!.toUpperCase() + name.slice(1);
  return {
    before: (request) => {
      const body = (request.event as unknown as { body: unknown }).body;
      const docs = Array.isArray(body) ? body : isJsonObject(body) ? (body[name] ?? body[pascal]) : undefined;
      if (Array.isArray(docs) && docs.length > LIMITS.maxDocumentsPerRequest) {
        throw tooLarge(`The request carries ${docs.length} documents; at most ${LIMITS.maxDocumentsPerRequest} are accepted per request.`, [
          { path: `/${name}`, message: `more than ${LIMITS.maxDocumentsPerRequest} documents` },
        ]);
      }
    },
  };
}

/**
 * Accepts the bare array of the standard's sample files as well as the envelope, and turns documents in the standard's older form into the canonical form,
 * remembering how to report paths as the client sent them.
 */
function envelope({ name, kind, single }: { name: string; kind: DocumentKind; single?: boolean }): MiddlewareObj<HubEvent, HubResult> {
  return {
    before: (request) => {
      const timeZone = callerFromContext(request.event.requestContext.authorizer?.lambda)?.timeZone ?? null;
      const event = request.event as unknown as { body: unknown };
      if (single) {
        // One document (PUT of one order): wrapped here, so the older form and the validator
        // work as on the batch route; singleDocumentPath() maps paths back to the body's own.
        const pascal = name[0]!.toUpperCase() + name.slice(1);
        if (!isJsonObject(event.body) || name in event.body || pascal in event.body) {
          throw invalidInput('The body must be one work order document (a JSON object), not an envelope or an array.', [
            { path: '/', message: 'must be one document' },
          ]);
        }
        event.body = { [name]: [event.body] };
      } else if (Array.isArray(event.body)) event.body = { [name]: event.body };
      // The older form's envelope name, when a client wraps its documents in PascalCase.
      const pascal = name[0]!.toUpperCase() + name.slice(1);
      if (isJsonObject(event.body) && !(name in event.body) && pascal in event.body && Object.keys(event.body).length === 1) {
        event.body = { [name]: (event.body as Record<string, unknown>)[pascal] };
      }
      const isObject = typeof event.body === 'object' && event.body !== null;
      if (!isObject || !(name in (event.body as object))) {
        throw invalidInput(`The body must be {"${name}": [ ...documents ]} or a JSON array of documents.`, [
          { path: `/${name}`, message: 'is required' },
        ]);
      }
      const docs = (event.body as Record<string, unknown>)[name];
      if (!Array.isArray(docs)) return;
      const paths = new Map<number, (canonicalPath: string) => string>();
      const warnings = new Map<number, Warning[]>();
      const extras = new Map<number, Extras>();
      const errors: ErrorItem[] = [];
      const converted = docs.map((doc, i) => {
        const pointer = `/${name}/${i}`;
        if (!isLegacyDocument(doc)) {
          errors.push(...resolveZonelessDateTimes(kind, doc, pointer, timeZone));
          return doc;
        }
        try {
          const { document, toClientPath, warnings: dropped, extras: kept } = fromLegacy(kind, doc, pointer, { timeZone });
          paths.set(i, toClientPath);
          if (dropped.length > 0) warnings.set(i, dropped);
          if (kept.length > 0) extras.set(i, kept);
          return document;
        } catch (e) {
          if (e instanceof HubError && e.errors) errors.push(...e.errors);
          else throw e;
          return doc;
        }
      });
      if (errors.length > 0) {
        const located = single ? errors.map((e) => ({ ...e, path: singleDocumentPath(e.path, name) })) : errors;
        throw invalidInput(conversionDetail(located), located);
      }
      event.body = { [name]: converted };
      Object.assign(stateOf(request.event), { clientPaths: paths, warnings, extras });
    },
  };
}

/** The detail of a 400 from reading the documents: what is wrong, and how to fix a zone-less date-time. */
function conversionDetail(errors: ErrorItem[]): string {
  const zoneless = errors.find((e) => e.message.endsWith(ZONELESS_HINT));
  if (zoneless) {
    return (
      `${zoneless.path}: a date-time without a time zone, and this API key has no --time-zone. Send date-times with their offset ` +
      '(e.g. 2026-03-16T06:41:57.204-05:00), or use a key made with `npm run keys -- create ... --time-zone America/Chicago` ' +
      '(the zone your client writes its times in). Nothing was applied.'
    );
  }
  return errors.length === 1 && errors[0]
    ? `${errors[0].path}: ${errors[0].message}. Nothing was applied.`
    : "Some values are not valid in the standard's code lists or date-times; nothing was applied.";
}

/** Rewrites a validation error of an older-form document to the paths the client sent. */
function toClientError(error: ErrorObject, paths: ClientPaths, name: string): ErrorObject {
  const m = new RegExp(`^/${name}/(\\d+)(/|$)`).exec(error.instancePath);
  const map = m ? paths.get(Number(m[1])) : undefined;
  if (!map) return error;
  const params = error.params as Record<string, unknown>;
  const child = error.keyword === 'required' ? 'missingProperty' : error.keyword === 'additionalProperties' ? 'additionalProperty' : null;
  if (child && typeof params[child] === 'string') {
    const full = map(`${error.instancePath}/${params[child]}`);
    const cut = full.lastIndexOf('/');
    return { ...error, instancePath: full.slice(0, cut), params: { ...params, [child]: full.slice(cut + 1) } };
  }
  return { ...error, instancePath: map(error.instancePath) };
}

/** A path into the wrapped single document as a path into the body the client sent. */
function singleDocumentPath(path: string, name: string): string {
  const prefix = `/${name}/0`;
  return path === prefix ? '' : path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

/** Adapts a body validator to @middy/validator, which validates the whole event; a body it admits is kept for the handler. */
function bodyValidator(validate: CompiledValidator, envelopeName?: string, single = false): CompiledValidator {
  const check: CompiledValidator = (data) => {
    const event = data as HubEvent;
    const body: unknown = (event as unknown as { body: unknown }).body;
    const ok = validate(body);
    const state = stateOf(event);
    if (ok) state.body = body;
    const paths = state.clientPaths;
    const errors = (validate.errors ?? null) as ErrorObject[] | null;
    const client = errors && paths.size > 0 && envelopeName ? errors.map((e) => toClientError(e, paths, envelopeName)) : errors;
    check.errors =
      client && single && envelopeName
        ? client.map((e) => ({ ...e, instancePath: singleDocumentPath(e.instancePath, envelopeName) }))
        : client;
    return ok;
  };
  return check;
}

/** The body middlewares of a route, in their one order. */
export function bodyMiddlewares(body: BodySpec<unknown>): MiddlewareObj<HubEvent, HubResult>[] {
  return [
    bodyGuard(),
    httpJsonBodyParser() as MiddlewareObj<HubEvent, HubResult>,
    wellFormedStrings(body.envelope?.name),
    ...(body.envelope && !body.envelope.single ? [documentCount(body.envelope.name)] : []),
    ...(body.documents ? [documentCount(body.documents)] : []),
    ...(body.envelope ? [envelope(body.envelope)] : []),
    validator({ eventSchema: bodyValidator(body.validate, body.envelope?.name, body.envelope?.single) as never }) as MiddlewareObj<
      HubEvent,
      HubResult
    >,
  ];
}
