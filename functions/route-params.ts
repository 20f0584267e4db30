/**
 * The path and query parameters the route table (routes.ts) names: the JSON Schema each value
 * must fit, which the middleware checks on every request (scripts/build-schemas.ts precompiles
 * them into generated/params.cjs), and the types the handlers are handed. The reference's prose
 * about them is in route-docs.ts.
 */
import { DOCUMENT_FORMATS } from './domain/api-keys.ts';

/** The JSON Schema of one parameter (parameters arrive as text): a value that does not fit is a 400 naming it. */
export type ParamSchema =
  | { type: 'string'; minLength?: number; maxLength?: number; pattern?: string; enum?: readonly string[] }
  | { $ref: string };

const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u001f\\u007f]+$';
/** The agency code list of the documents (schemas/common.schema.json): a parameter is accepted as the same value in a body is. */
const AGENCY_CODE = { $ref: 'https://mixticket.dev/schemas/common.schema.json#/definitions/agency' } as const;
const TEXT = { type: 'string' } as const;
const SOME_TEXT = { type: 'string', minLength: 1 } as const;

/** Path parameters, by name: what the middleware accepts (a path naming another fails the build). */
export const PATH_PARAMS = {
  facilityId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^(?!\\.{1,2}$)[A-Za-z0-9._-]{1,64}$' },
  workOrderNumber: { type: 'string', minLength: 1, maxLength: 128, pattern: NO_CONTROL_CHARACTERS },
  purchaseOrderNumber: { type: 'string', minLength: 1, maxLength: 128, pattern: NO_CONTROL_CHARACTERS },
  workRecordNumber: { type: 'string', minLength: 1, maxLength: 128, pattern: NO_CONTROL_CHARACTERS },
  // Ids the hub issued: one it never issued names nothing, and is answered 404 as an unknown one.
  documentId: TEXT,
  subscriptionId: TEXT,
} as const satisfies Record<string, ParamSchema>;

/**
 * Query parameters, by name: the form the middleware checks. What a value means (a time, a
 * cursor, a range) the domain reads on: domain/time.ts, poll-window.ts, summaries.ts, consumption.ts.
 */
export const QUERY_PARAMS = {
  lastExecutionDateTime: SOME_TEXT,
  format: { type: 'string', enum: [...DOCUMENT_FORMATS] },
  cursor: TEXT,
  agency: AGENCY_CODE,
  status: TEXT,
  createdFrom: SOME_TEXT,
  createdTo: SOME_TEXT,
  modifiedFrom: SOME_TEXT,
  modifiedTo: SOME_TEXT,
  limit: TEXT,
  from: { type: 'string', minLength: 10 },
  to: { type: 'string', minLength: 10 },
  groupBy: { type: 'string', enum: ['product', 'day', 'order'] },
  tz: SOME_TEXT,
  component: { type: 'string', minLength: 1, maxLength: 128, pattern: NO_CONTROL_CHARACTERS },
  location: { type: 'string', minLength: 1, maxLength: 128, pattern: NO_CONTROL_CHARACTERS },
  include: { type: 'string', enum: ['movements'] },
  revision: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' },
  lot: { type: 'string', minLength: 1, maxLength: 128, pattern: NO_CONTROL_CHARACTERS },
  workRecord: { type: 'string', minLength: 1, maxLength: 128, pattern: NO_CONTROL_CHARACTERS },
  direction: { type: 'string', enum: ['forward', 'backward'] },
} as const satisfies Record<string, ParamSchema>;

export type PathParamName = keyof typeof PATH_PARAMS;
export type QueryParamName = keyof typeof QUERY_PARAMS;

/** The names of the path parameters of a path template. */
type PathParamsIn<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | PathParamsIn<Rest> : never;
/** The value type of a parameter: its enum's values, else text. */
type ParamValue<S> = S extends { enum: readonly (infer E)[] } ? E : string;

/** The path parameters a route's handler is handed, validated. */
export type PathParamsOf<R extends { path: string }> = { [K in PathParamsIn<R['path']>]: string };
/** The query parameters a route's handler is handed, validated (each absent when not sent). */
export type QueryOf<R> = R extends { query: readonly (infer Q extends QueryParamName)[] }
  ? { [K in Q]?: ParamValue<(typeof QUERY_PARAMS)[K]> }
  : Record<never, never>;
