/**
 * THE route table: wiring only. The CDK stack builds one function and one HTTP API route per
 * entry; the local gateway (infra/local/) serves the same entries with the same handlers; every
 * handler enforces the roles and the parameter schemas written here (shared/middleware.ts).
 * What the reference says about each route (descriptions, answers, examples) is in
 * route-docs.ts, read only by the OpenAPI build: handlers never import it.
 */

import { DOCUMENT_FORMATS, type Role } from './domain/api-keys.ts';

export type { Role };

/** What a route's function may do with the table and the document bucket (least privilege on AWS). */
export interface RouteAccess {
  table: 'read' | 'readWrite';
  bucket?: 'read' | 'write' | 'readWrite';
  /** Webhook signing secrets: seal new ones (encrypt) or open stored ones (decrypt) with the stack's KMS key. */
  secrets?: 'encrypt' | 'decrypt';
}

export interface RouteDef {
  /** Stable id: names the function and its construct, and the route's entry in route-docs.ts. */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path template; each {name} is a parameter of PATH_PARAMS. */
  path: string;
  /** Module under functions/ exporting `handler`. */
  entry: string;
  /** Roles allowed; empty: public (no key). */
  roles: readonly Role[];
  access: RouteAccess | null;
  /** A short line for the Lambda description, logs and the OpenAPI document (its operation summary). */
  summary: string;
  /** The query parameters the handler takes (QUERY_PARAMS), validated and handed to it typed. */
  query?: readonly QueryParamName[];
  /** The request body: the title of its schema in schemas/ (the handler passes the compiled validator). */
  body?: string;
  /** How long the function may run (default FUNCTION_TIMEOUT_SECONDS); HTTP API waits at most 30 s. */
  timeoutSeconds?: number;
}

/** How long a function may run unless its row says otherwise: on AWS and in the local gateway alike. */
export const FUNCTION_TIMEOUT_SECONDS = 10;
/** Reports that read many items (long ranges) get the most the HTTP API's 30 s integration limit leaves. */
const REPORT_TIMEOUT_SECONDS = 28;

/**
 * The JSON Schema of one parameter (parameters arrive as text). The middleware validates every
 * parameter of a route against these (scripts/build-schemas.ts precompiles them): 400 naming it.
 */
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
} as const satisfies Record<string, ParamSchema>;

export type PathParamName = keyof typeof PATH_PARAMS;
export type QueryParamName = keyof typeof QUERY_PARAMS;

const FACILITY = '/facility/{facilityId}';
const SUBSCRIPTION = `${FACILITY}/subscriptions/{subscriptionId}`;
const BOTH_ROLES = ['pcs', 'erp'] as const;
const POLL_QUERY = ['lastExecutionDateTime', 'format', 'cursor'] as const;
const MASTER_POLL_QUERY = ['lastExecutionDateTime', 'cursor'] as const;

/**
 * The ERP's push and the poll of one master-data kind: the same shape for components, recipes
 * and purchase orders (use-cases/polled-kinds.ts serves them). Each names its handler files.
 */
function masterDataRoutes<const Name extends string, const P extends string>(
  name: Name,
  path: P,
  handlers: { push: string; poll: string },
  body: string,
  what: string,
) {
  return [
    {
      id: `push${name}`,
      method: 'POST',
      path,
      entry: handlers.push,
      roles: ['erp'],
      access: { table: 'readWrite' },
      summary: `upsert ${what}`,
      body,
    },
    {
      id: `poll${name}`,
      method: 'GET',
      path,
      entry: handlers.poll,
      roles: BOTH_ROLES,
      access: { table: 'readWrite' },
      summary: `poll ${what} changed since lastExecutionDateTime`,
      query: MASTER_POLL_QUERY,
    },
  ] as const;
}

export const ROUTES = [
  { id: 'health', method: 'GET', path: '/health', entry: 'http/health.ts', roles: [], access: null, summary: 'liveness' },
  {
    id: 'pushWorkOrders',
    method: 'POST',
    path: `${FACILITY}/dispensingWorkorders`,
    entry: 'http/push-work-orders.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'push work orders (create, update, hold, cancel)',
    body: 'DispensingWorkOrderRequest',
  },
  {
    id: 'pollWorkOrders',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkorders`,
    entry: 'http/poll-work-orders.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite' },
    summary: 'poll work orders changed since lastExecutionDateTime',
    query: POLL_QUERY,
  },
  {
    id: 'getWorkOrder',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/get-work-order.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read' },
    summary: 'one work order with its hub state',
    query: ['agency'],
  },
  {
    id: 'acknowledgeWorkOrders',
    method: 'POST',
    path: `${FACILITY}/acknowledgeWorkOrderReceipt`,
    entry: 'http/acknowledge-work-orders.ts',
    roles: ['pcs'],
    access: { table: 'readWrite' },
    summary: 'acknowledge receipt of work orders (accepted or rejected)',
    body: 'AcknowledgeWorkOrderReceiptRequest',
  },
  {
    id: 'submitWorkRecords',
    method: 'POST',
    path: `${FACILITY}/dispensingWorkRecords`,
    entry: 'http/submit-work-records.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'readWrite' },
    summary: 'submit work records with their Bills of Lading',
    body: 'DispensingWorkRecordRequest',
  },
  {
    id: 'pollWorkRecords',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkRecords`,
    entry: 'http/poll-work-records.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'poll work records submitted since lastExecutionDateTime',
    query: POLL_QUERY,
  },
  {
    id: 'createDocumentUpload',
    method: 'POST',
    path: `${FACILITY}/documents`,
    entry: 'http/create-document-upload.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'write' },
    summary: 'ask for a direct upload of a large document',
    body: 'DocumentUploadRequest',
  },
  {
    id: 'getDocument',
    method: 'GET',
    path: `${FACILITY}/documents/{documentId}`,
    entry: 'http/get-document.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read', bucket: 'read' },
    summary: 'download a stored document (302 to a short-lived URL)',
  },
  {
    id: 'openApi',
    method: 'GET',
    path: '/openapi.json',
    entry: 'http/openapi.ts',
    roles: [],
    access: null,
    summary: 'the OpenAPI 3.1 document of every route',
  },
  {
    id: 'docs',
    method: 'GET',
    path: '/docs',
    entry: 'http/docs.ts',
    roles: [],
    access: null,
    summary: 'the API reference as one self-contained HTML page',
  },
  {
    id: 'upsertWorkOrder',
    method: 'PUT',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/upsert-work-order.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'upsert one work order by its number (created, updated or put on hold)',
    query: ['agency'],
    body: 'DispensingWorkOrder',
  },
  {
    id: 'cancelWorkOrder',
    method: 'DELETE',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/cancel-work-order.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'cancel one work order (never erases it)',
    query: ['agency'],
  },
  {
    id: 'listWorkOrderSummaries',
    method: 'GET',
    path: `${FACILITY}/workOrderSummaries`,
    entry: 'http/list-work-order-summaries.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read' },
    timeoutSeconds: REPORT_TIMEOUT_SECONDS,
    summary: 'search and list work orders with their hub state, filtered and paged (JSON or CSV)',
    query: ['status', 'createdFrom', 'createdTo', 'modifiedFrom', 'modifiedTo', 'limit', 'cursor'],
  },
  ...masterDataRoutes(
    'Components',
    `${FACILITY}/components`,
    { push: 'http/push-components.ts', poll: 'http/poll-components.ts' },
    'ComponentsRequest',
    'components (raw materials)',
  ),
  ...masterDataRoutes(
    'Recipes',
    `${FACILITY}/recipes`,
    { push: 'http/push-recipes.ts', poll: 'http/poll-recipes.ts' },
    'RecipesRequest',
    'recipes (formulas of components)',
  ),
  ...masterDataRoutes(
    'PurchaseOrders',
    `${FACILITY}/purchaseOrders`,
    { push: 'http/push-purchase-orders.ts', poll: 'http/poll-purchase-orders.ts' },
    'PurchaseOrdersRequest',
    'purchase orders (planned deliveries)',
  ),
  {
    id: 'getPurchaseOrder',
    method: 'GET',
    path: `${FACILITY}/purchaseOrders/{purchaseOrderNumber}`,
    entry: 'http/get-purchase-order.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read' },
    summary: 'one purchase order with what has been received against each line',
    query: ['agency'],
  },
  {
    id: 'submitReceipts',
    method: 'POST',
    path: `${FACILITY}/receipts`,
    entry: 'http/submit-receipts.ts',
    roles: ['pcs'],
    access: { table: 'readWrite' },
    summary: 'report goods received into stock (against a purchase order line or not)',
    body: 'ReceiptsRequest',
  },
  {
    id: 'submitStockCounts',
    method: 'POST',
    path: `${FACILITY}/stockCounts`,
    entry: 'http/submit-stock-counts.ts',
    roles: ['pcs'],
    access: { table: 'readWrite' },
    summary: "report physical counts: each sets a component's stock at a location at its time",
    body: 'StockCountsRequest',
  },
  {
    id: 'getStock',
    method: 'GET',
    path: `${FACILITY}/stock`,
    entry: 'http/get-stock.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read' },
    summary: 'current stock per component and location, from receipts, counts and dispensing',
    query: ['component', 'location', 'include'],
  },
  {
    id: 'getConsumption',
    method: 'GET',
    path: `${FACILITY}/consumption`,
    entry: 'http/get-consumption.ts',
    roles: ['erp'],
    access: { table: 'read' },
    timeoutSeconds: REPORT_TIMEOUT_SECONDS,
    summary: 'what was dispensed in a period, per product (and per day or per order), JSON or CSV',
    query: ['from', 'to', 'groupBy', 'tz'],
  },
  {
    id: 'createSubscription',
    method: 'POST',
    path: `${FACILITY}/subscriptions`,
    entry: 'http/create-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite', secrets: 'encrypt' },
    summary: 'register a webhook endpoint for one kind of document (push delivery)',
    body: 'SubscriptionRequest',
  },
  {
    id: 'listSubscriptions',
    method: 'GET',
    path: `${FACILITY}/subscriptions`,
    entry: 'http/list-subscriptions.ts',
    roles: BOTH_ROLES,
    access: { table: 'read' },
    summary: "this key's webhook subscriptions at the facility (an erp * key: all of them)",
  },
  {
    id: 'getSubscription',
    method: 'GET',
    path: SUBSCRIPTION,
    entry: 'http/get-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'read' },
    summary: 'one webhook subscription with its delivery state',
  },
  {
    id: 'deleteSubscription',
    method: 'DELETE',
    path: SUBSCRIPTION,
    entry: 'http/delete-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite' },
    summary: 'remove a webhook subscription',
  },
  {
    id: 'rotateSubscriptionSecret',
    method: 'POST',
    path: `${SUBSCRIPTION}/rotateSecret`,
    entry: 'http/rotate-subscription-secret.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite', secrets: 'encrypt' },
    summary: 'a new signing secret; the old one keeps signing for 24 hours',
  },
  {
    id: 'listDeliveries',
    method: 'GET',
    path: `${SUBSCRIPTION}/deliveries`,
    entry: 'http/list-deliveries.ts',
    roles: BOTH_ROLES,
    access: { table: 'read' },
    summary: "a webhook subscription's delivery log, newest first, paged",
    query: ['status', 'limit', 'cursor'],
  },
  {
    id: 'replaySubscription',
    method: 'POST',
    path: `${SUBSCRIPTION}/replay`,
    entry: 'http/replay-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite' },
    summary: 'deliver again every change since a time',
    body: 'ReplayRequest',
  },
  {
    id: 'enableSubscription',
    method: 'POST',
    path: `${SUBSCRIPTION}/enable`,
    entry: 'http/enable-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite' },
    summary: 're-enable a disabled webhook subscription (delivery resumes where it stopped)',
  },
] as const satisfies readonly RouteDef[];

export type RouteId = (typeof ROUTES)[number]['id'];

/** The route with this id (throws on a typo, at cold start). */
export function route(id: RouteId): RouteDef {
  const found = ROUTES.find((r) => r.id === id);
  if (!found) throw new Error(`unknown route ${id}`);
  return found;
}

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

/** The Lambda authorizer's module (API Gateway on AWS, the local gateway here). */
export const AUTHORIZER_ENTRY = 'http/authorizer.ts';

/**
 * How long the gateway keeps the authorizer's answer for one x-api-key: API Gateway on AWS
 * (the stack's resultsCacheTtl) and the local gateway alike.
 */
export const AUTHORIZER_CACHE_SECONDS = 300;
