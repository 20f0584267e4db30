/**
 * THE route table: wiring only. The CDK stack builds one function and one HTTP API route per
 * entry; the local gateway (infra/local/) serves the same entries with the same handlers; every
 * handler enforces the roles and the parameter schemas written here (shared/middleware.ts).
 * What the reference says about each route (descriptions, answers, examples) is in
 * route-docs.ts, read only by the OpenAPI build: handlers never import it.
 */

import type { Role } from './domain/api-keys.ts';
import type { QueryParamName } from './route-params.ts';

export type { ParamSchema, PathParamName, PathParamsOf, QueryOf, QueryParamName } from './route-params.ts';
export { PATH_PARAMS, QUERY_PARAMS } from './route-params.ts';
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
  /** The query parameters the handler takes (QUERY_PARAMS), validated and handed to it typed. */
  query?: readonly QueryParamName[];
  /** The request body: the title of its schema in schemas/ (the handler passes the compiled validator). */
  body?: string;
  /** How long the function may run (default FUNCTION_TIMEOUT_SECONDS); HTTP API waits at most 30 s. */
  timeoutSeconds?: number;
  /**
   * A POST that is not idempotent by a document's identity: it takes `Idempotency-Key`
   * (shared/idempotency.ts), and the reference documents the header and its 409/422.
   */
  idempotencyKey?: true;
  /** A route over every facility of the stack (no facility in its path): only keys covering every facility (`*`) may call it. */
  allFacilities?: true;
}

/** How long a function may run unless its row says otherwise: on AWS and in the local gateway alike. */
export const FUNCTION_TIMEOUT_SECONDS = 10;
/** Reports that read many items (long ranges) get the most the HTTP API's 30 s integration limit leaves. */
const REPORT_TIMEOUT_SECONDS = 28;

const FACILITY = '/facility/{facilityId}';
const SUBSCRIPTION = `${FACILITY}/subscriptions/{subscriptionId}`;
const BOTH_ROLES = ['pcs', 'erp'] as const;
/** A read that is not a poll: the operator reads it too (API.md, "Operator view"). */
const READERS = ['erp', 'pcs', 'operator'] as const;
/** The subscription routes an operator may call: reads, replay and enable. */
const SUBSCRIPTION_READERS = ['pcs', 'erp', 'operator'] as const;
/** The operator view's routes: erp and operator keys, for their facilities. */
const OPERATOR_VIEW = ['erp', 'operator'] as const;
const READ = { table: 'read' } as const;
const READ_WRITE = { table: 'readWrite' } as const;
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
) {
  return [
    { id: `push${name}`, method: 'POST', path, entry: handlers.push, roles: ['erp'], access: READ_WRITE, body },
    { id: `poll${name}`, method: 'GET', path, entry: handlers.poll, roles: BOTH_ROLES, access: READ_WRITE, query: MASTER_POLL_QUERY },
  ] as const;
}

export const ROUTES = [
  { id: 'health', method: 'GET', path: '/health', entry: 'http/health.ts', roles: [], access: null },
  {
    id: 'pushWorkOrders',
    method: 'POST',
    path: `${FACILITY}/dispensingWorkorders`,
    entry: 'http/push-work-orders.ts',
    roles: ['erp'],
    access: READ_WRITE,
    body: 'DispensingWorkOrderRequest',
  },
  {
    id: 'pollWorkOrders',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkorders`,
    entry: 'http/poll-work-orders.ts',
    roles: BOTH_ROLES,
    access: READ_WRITE,
    query: POLL_QUERY,
  },
  {
    id: 'getWorkOrder',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/get-work-order.ts',
    roles: READERS,
    access: READ,
    query: ['agency'],
  },
  {
    id: 'acknowledgeWorkOrders',
    method: 'POST',
    path: `${FACILITY}/acknowledgeWorkOrderReceipt`,
    entry: 'http/acknowledge-work-orders.ts',
    roles: ['pcs'],
    access: READ_WRITE,
    body: 'AcknowledgeWorkOrderReceiptRequest',
  },
  {
    id: 'submitWorkRecords',
    method: 'POST',
    path: `${FACILITY}/dispensingWorkRecords`,
    entry: 'http/submit-work-records.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'readWrite' },
    body: 'DispensingWorkRecordRequest',
  },
  {
    id: 'pollWorkRecords',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkRecords`,
    entry: 'http/poll-work-records.ts',
    roles: ['erp'],
    access: READ_WRITE,
    query: POLL_QUERY,
  },
  {
    id: 'getWorkRecord',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkRecords/{workRecordNumber}`,
    entry: 'http/get-work-record.ts',
    roles: READERS,
    access: READ,
    query: ['agency', 'revision'],
  },
  {
    id: 'correctWorkRecord',
    method: 'PUT',
    path: `${FACILITY}/dispensingWorkRecords/{workRecordNumber}`,
    entry: 'http/correct-work-record.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'readWrite' },
    query: ['agency'],
    body: 'DispensingWorkRecord',
  },
  {
    id: 'voidWorkRecord',
    method: 'POST',
    path: `${FACILITY}/dispensingWorkRecords/{workRecordNumber}/void`,
    entry: 'http/void-work-record.ts',
    roles: ['pcs'],
    access: READ_WRITE,
    query: ['agency'],
    body: 'VoidWorkRecordRequest',
    idempotencyKey: true,
  },
  {
    id: 'createDocumentUpload',
    method: 'POST',
    path: `${FACILITY}/documents`,
    entry: 'http/create-document-upload.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'write' },
    body: 'DocumentUploadRequest',
    idempotencyKey: true,
  },
  {
    id: 'getDocument',
    method: 'GET',
    path: `${FACILITY}/documents/{documentId}`,
    entry: 'http/get-document.ts',
    roles: READERS,
    access: { table: 'read', bucket: 'read' },
  },
  { id: 'openApi', method: 'GET', path: '/openapi.json', entry: 'http/openapi.ts', roles: [], access: null },
  { id: 'docs', method: 'GET', path: '/docs', entry: 'http/docs.ts', roles: [], access: null },
  { id: 'console', method: 'GET', path: '/console', entry: 'http/console.ts', roles: [], access: null },
  {
    id: 'upsertWorkOrder',
    method: 'PUT',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/upsert-work-order.ts',
    roles: ['erp'],
    access: READ_WRITE,
    query: ['agency'],
    body: 'DispensingWorkOrder',
  },
  {
    id: 'cancelWorkOrder',
    method: 'DELETE',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/cancel-work-order.ts',
    roles: ['erp'],
    access: READ_WRITE,
    query: ['agency'],
  },
  {
    id: 'listWorkOrderSummaries',
    method: 'GET',
    path: `${FACILITY}/workOrderSummaries`,
    entry: 'http/list-work-order-summaries.ts',
    roles: READERS,
    access: READ,
    timeoutSeconds: REPORT_TIMEOUT_SECONDS,
    query: ['status', 'createdFrom', 'createdTo', 'modifiedFrom', 'modifiedTo', 'limit', 'cursor'],
  },
  ...masterDataRoutes(
    'Components',
    `${FACILITY}/components`,
    { push: 'http/push-components.ts', poll: 'http/poll-components.ts' },
    'ComponentsRequest',
  ),
  ...masterDataRoutes('Recipes', `${FACILITY}/recipes`, { push: 'http/push-recipes.ts', poll: 'http/poll-recipes.ts' }, 'RecipesRequest'),
  ...masterDataRoutes(
    'PurchaseOrders',
    `${FACILITY}/purchaseOrders`,
    { push: 'http/push-purchase-orders.ts', poll: 'http/poll-purchase-orders.ts' },
    'PurchaseOrdersRequest',
  ),
  {
    id: 'getPurchaseOrder',
    method: 'GET',
    path: `${FACILITY}/purchaseOrders/{purchaseOrderNumber}`,
    entry: 'http/get-purchase-order.ts',
    roles: READERS,
    access: READ,
    query: ['agency'],
  },
  {
    id: 'submitReceipts',
    method: 'POST',
    path: `${FACILITY}/receipts`,
    entry: 'http/submit-receipts.ts',
    roles: ['pcs'],
    access: READ_WRITE,
    body: 'ReceiptsRequest',
  },
  {
    id: 'submitStockCounts',
    method: 'POST',
    path: `${FACILITY}/stockCounts`,
    entry: 'http/submit-stock-counts.ts',
    roles: ['pcs'],
    access: READ_WRITE,
    body: 'StockCountsRequest',
  },
  {
    id: 'getStock',
    method: 'GET',
    path: `${FACILITY}/stock`,
    entry: 'http/get-stock.ts',
    roles: READERS,
    access: READ,
    query: ['component', 'location', 'include'],
  },
  {
    id: 'getConsumption',
    method: 'GET',
    path: `${FACILITY}/consumption`,
    entry: 'http/get-consumption.ts',
    roles: OPERATOR_VIEW,
    access: READ,
    timeoutSeconds: REPORT_TIMEOUT_SECONDS,
    query: ['from', 'to', 'groupBy', 'tz'],
  },
  {
    id: 'traceLot',
    method: 'GET',
    path: `${FACILITY}/trace`,
    entry: 'http/trace-lot.ts',
    roles: ['erp', 'operator'],
    access: READ,
    timeoutSeconds: REPORT_TIMEOUT_SECONDS,
    query: ['lot', 'workRecord', 'agency', 'direction'],
  },
  {
    id: 'traceLotEverywhere',
    method: 'GET',
    path: '/trace',
    entry: 'http/trace-lot-everywhere.ts',
    roles: ['erp', 'operator'],
    access: READ,
    allFacilities: true,
    timeoutSeconds: REPORT_TIMEOUT_SECONDS,
    query: ['lot', 'workRecord', 'agency', 'direction'],
  },
  {
    id: 'createSubscription',
    method: 'POST',
    path: `${FACILITY}/subscriptions`,
    entry: 'http/create-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite', secrets: 'encrypt' },
    body: 'SubscriptionRequest',
    idempotencyKey: true,
  },
  {
    id: 'listSubscriptions',
    method: 'GET',
    path: `${FACILITY}/subscriptions`,
    entry: 'http/list-subscriptions.ts',
    roles: SUBSCRIPTION_READERS,
    access: READ,
  },
  {
    id: 'getSubscription',
    method: 'GET',
    path: SUBSCRIPTION,
    entry: 'http/get-subscription.ts',
    roles: SUBSCRIPTION_READERS,
    access: READ,
  },
  {
    id: 'deleteSubscription',
    method: 'DELETE',
    path: SUBSCRIPTION,
    entry: 'http/delete-subscription.ts',
    roles: BOTH_ROLES,
    access: READ_WRITE,
  },
  {
    id: 'rotateSubscriptionSecret',
    method: 'POST',
    path: `${SUBSCRIPTION}/rotateSecret`,
    entry: 'http/rotate-subscription-secret.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite', secrets: 'encrypt' },
    idempotencyKey: true,
  },
  {
    id: 'listDeliveries',
    method: 'GET',
    path: `${SUBSCRIPTION}/deliveries`,
    entry: 'http/list-deliveries.ts',
    roles: SUBSCRIPTION_READERS,
    access: READ,
    query: ['status', 'limit', 'cursor'],
  },
  {
    id: 'replaySubscription',
    method: 'POST',
    path: `${SUBSCRIPTION}/replay`,
    entry: 'http/replay-subscription.ts',
    roles: SUBSCRIPTION_READERS,
    access: READ_WRITE,
    body: 'ReplayRequest',
    idempotencyKey: true,
  },
  {
    id: 'enableSubscription',
    method: 'POST',
    path: `${SUBSCRIPTION}/enable`,
    entry: 'http/enable-subscription.ts',
    roles: SUBSCRIPTION_READERS,
    access: READ_WRITE,
  },
  {
    id: 'listPollers',
    method: 'GET',
    path: `${FACILITY}/pollers`,
    entry: 'http/list-pollers.ts',
    roles: OPERATOR_VIEW,
    access: READ,
  },
  {
    id: 'listActivity',
    method: 'GET',
    path: `${FACILITY}/activity`,
    entry: 'http/list-activity.ts',
    roles: OPERATOR_VIEW,
    access: READ,
    query: ['limit', 'cursor'],
  },
  {
    id: 'listFacilityDeliveries',
    method: 'GET',
    path: `${FACILITY}/deliveries`,
    entry: 'http/list-facility-deliveries.ts',
    roles: OPERATOR_VIEW,
    access: READ,
    query: ['status', 'limit', 'cursor'],
  },
  { id: 'listFacilities', method: 'GET', path: '/facilities', entry: 'http/list-facilities.ts', roles: OPERATOR_VIEW, access: READ },
] as const satisfies readonly RouteDef[];

export type RouteId = (typeof ROUTES)[number]['id'];

/** The route with this id (throws on a typo, at cold start). */
export function route(id: RouteId): RouteDef {
  const found = ROUTES.find((r) => r.id === id);
  if (!found) throw new Error(`unknown route ${id}`);
  return found;
}

/** The Lambda authorizer's module (API Gateway on AWS, the local gateway here). */
export const AUTHORIZER_ENTRY = 'http/authorizer.ts';

/**
 * How long the gateway keeps the authorizer's answer for one x-api-key: API Gateway on AWS
 * (the stack's resultsCacheTtl) and the local gateway alike.
 */
export const AUTHORIZER_CACHE_SECONDS = 300;
