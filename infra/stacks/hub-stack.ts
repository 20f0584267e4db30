/**
 * One customer's hub: table, documents bucket, one function and one HTTP API route per entry of
 * the route table (functions/routes.ts), the API-key authorizer, alarms, and the outputs the
 * keys CLI reads; one function per entry of the event-function table (functions/events.ts) with
 * its trigger and dead-letter queue. Everything per route is derived from the route table; the
 * only distinction made here is public (no roles) versus authorized.
 */
import { type CfnElement, CfnOutput, Duration, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Key } from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { EVENT_FUNCTIONS, type EventFunctionDef, type EventTrigger } from '../../functions/events.ts';
import { summaryOf } from '../../functions/route-docs.ts';
import { AUTHORIZER_ENTRY, ROUTES, type RouteAccess, type RouteDef } from '../../functions/routes.ts';
import { ENV, functionEnvironment, OPERATOR_SETTINGS, WEBHOOK_SETTINGS } from '../../functions/shared/config.ts';
import { METRIC } from '../../functions/shared/metrics.ts';
import { INDEXES } from '../../functions/store/table.ts';
import { DocumentBucket } from '../constructs/document-bucket.ts';
import { HubAlarms } from '../constructs/hub-alarms.ts';
import { HubApi } from '../constructs/hub-api.ts';
import { HubDashboard } from '../constructs/hub-dashboard.ts';
import { HubFunction } from '../constructs/hub-function.ts';
import { HubTable } from '../constructs/hub-table.ts';
import type { Customer } from '../customers.ts';
import { OUTPUT } from './stack-outputs.ts';

/** The Powertools service name of every function (logs and metrics). */
export const SERVICE_NAME = 'mixticket-hub';

export interface HubStackProps extends StackProps {
  customer: Customer;
  /** The event functions to build; tests pass their own. @default EVENT_FUNCTIONS, THE event-function table */
  eventFunctions?: readonly EventFunctionDef[];
  /** The routes to serve; tests pass their own. @default ROUTES, THE route table */
  routes?: readonly RouteDef[];
}

/** PascalCase construct id from a route id (`pushWorkOrders` → `PushWorkOrders`). */
function constructId(routeId: string): string {
  return routeId.charAt(0).toUpperCase() + routeId.slice(1);
}

export class HubStack extends Stack {
  readonly customer: Customer;
  readonly table: HubTable;
  readonly documents: DocumentBucket;
  readonly api: HubApi;
  readonly authorizer: HubFunction;
  /** The function of each route, by route id. */
  readonly routeFunctions: ReadonlyMap<string, HubFunction>;
  /** The function of each event-function entry, by id. */
  readonly eventFunctions: ReadonlyMap<string, HubFunction>;
  readonly alarms: HubAlarms;
  /** The customer's CloudWatch dashboard (infra/constructs/hub-dashboard.ts). */
  readonly dashboard: HubDashboard;
  /** Encrypts webhook signing secrets at rest (functions/store/secret-box.ts). */
  readonly webhookSecrets: Key;

  constructor(scope: Construct, id: string, { customer, routes = ROUTES, eventFunctions = EVENT_FUNCTIONS, ...stackProps }: HubStackProps) {
    super(scope, id, {
      description: `MixTicket hub for ${customer.name}: HTTP API, Lambda, DynamoDB, S3`,
      terminationProtection: true,
      ...stackProps,
    });
    this.customer = customer;
    Tags.of(this).add('mixticket:customer', customer.name);
    Tags.of(this).add('mixticket:app', SERVICE_NAME);

    const logRetention = customer.logRetentionDays as RetentionDays;
    this.table = new HubTable(this, 'Data');
    this.documents = new DocumentBucket(this, 'Documents', { accessLogRetentionDays: customer.logRetentionDays });
    const table = this.table.table;
    const bucket = this.documents.bucket;

    // Webhook signing secrets are sealed with this key; only the functions that seal or open them may use it.
    this.webhookSecrets = new Key(this, 'WebhookSecrets', {
      description: `MixTicket hub ${customer.name}: encrypts webhook signing secrets`,
      enableKeyRotation: true,
    });

    // What functions/shared/config.ts reads, plus the runtime settings every handler shares.
    const environment: Record<string, string> = {
      ...functionEnvironment({
        tableName: table.tableName,
        bucketName: bucket.bucketName,
        customer: customer.name,
        poll: customer.poll,
        webhooks: {
          retrySchedule: customer.webhookRetrySchedule ?? WEBHOOK_SETTINGS.retrySchedule,
          disableAfter: customer.webhookDisableAfter ?? WEBHOOK_SETTINGS.disableAfter,
        },
        pollerSilentAfter: customer.pollerSilentAfter ?? OPERATOR_SETTINGS.silentAfter,
      }),
      [ENV.webhookKeyId]: this.webhookSecrets.keyArn,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      // Source-mapped traces cost every cold start (Node parses each bundle's map at load): on demand.
      ...(customer.sourceMaps === true ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    };

    const alarms = new HubAlarms(this, 'Alarms', { customerName: customer.name, email: customer.alarmEmail });

    // The authorizer resolves a key to its identity: it reads the table, nothing else.
    this.authorizer = new HubFunction(this, 'Authorizer', {
      entry: AUTHORIZER_ENTRY,
      description: 'API-key authorizer of the HTTP API',
      memorySize: 256,
      environment,
      logRetention,
    });
    const grants = { table, bucket, secrets: this.webhookSecrets };
    grantAccess(this.authorizer, { table: 'read' }, grants);
    alarms.watchFunction('Authorizer', this.authorizer.function);

    this.api = new HubApi(this, 'Api', {
      authorizer: this.authorizer.function,
      throttle: customer.throttle,
      logRetention,
      ...(customer.domain ? { domain: customer.domain } : {}),
    });

    const routeFunctions = new Map<string, HubFunction>();
    for (const route of routes) {
      const id = constructId(route.id);
      const fn = new HubFunction(this, id, {
        entry: route.entry,
        description: `${route.method} ${route.path}: ${summaryOf(route.id)}`,
        ...('timeoutSeconds' in route ? { timeoutSeconds: route.timeoutSeconds } : {}),
        environment,
        logRetention,
      });
      grantAccess(fn, route.access, grants);
      this.api.addRoute(route, fn.function);
      alarms.watchFunction(id, fn.function);
      routeFunctions.set(route.id, fn);
    }
    this.routeFunctions = routeFunctions;

    const events = new Map<string, HubFunction>();
    for (const def of eventFunctions) {
      const id = constructId(def.id);
      const fn = new HubFunction(this, id, {
        entry: def.entry,
        description: def.summary,
        environment,
        logRetention,
        invocation: 'async',
        ...(def.timeoutSeconds ? { timeoutSeconds: def.timeoutSeconds } : {}),
      });
      grantAccess(fn, def.access, grants);
      addTrigger(fn, def.trigger, table);
      alarms.watchFunction(id, fn.function);
      alarms.watchDeadLetters(id, fn.deadLetters!);
      // A stream consumer that falls behind: its oldest unhandled change is over 5 minutes old.
      if (def.trigger.kind === 'tableStream') alarms.watchIteratorAge(id, fn.function, 5 * 60_000);
      events.set(def.id, fn);
    }
    this.eventFunctions = events;
    if (events.has('webhookSend')) {
      // The sender reports how overdue the most overdue subscription was on each run.
      alarms.watchOverdue(
        'WebhooksOverdue',
        {
          namespace: 'MixTicketHub',
          metricName: METRIC.webhookOldestDueSeconds,
          dimensionsMap: { service: SERVICE_NAME, customer: customer.name },
        },
        15 * 60,
        'a webhook delivery has waited more than 15 minutes past its due time (the sender is stuck or failing)',
      );
    }
    if (events.has('pollerWatch')) {
      alarms.watchSilentPollers(
        { namespace: 'MixTicketHub', metricName: METRIC.silentPollers, dimensionsMap: { service: SERVICE_NAME, customer: customer.name } },
        customer.pollerSilentAfter ?? OPERATOR_SETTINGS.silentAfter,
      );
    }
    alarms.watchFleet();
    alarms.watchServerErrors(this.api.api);
    alarms.watchTable(
      table,
      INDEXES.map((index) => index.name),
    );
    this.alarms = alarms;
    this.dashboard = new HubDashboard(this, 'Dashboard', {
      customerName: customer.name,
      serviceName: SERVICE_NAME,
      api: this.api.api,
      deadLetterQueues: [...events.values()].flatMap((fn) => (fn.deadLetters ? [fn.deadLetters] : [])),
    });

    // Stable output keys (stack-outputs.ts): the keys CLI (`npm run keys -- --stack ...`) reads TableName.
    new CfnOutput(this, OUTPUT.apiUrl, {
      value: this.api.url,
      description: 'Base URL of the HTTP API (the custom domain when there is one)',
    });
    new CfnOutput(this, OUTPUT.executeApiUrl, {
      value: this.api.stage.url,
      description: "The API's own execute-api URL (works before DNS is set up)",
    });
    new CfnOutput(this, OUTPUT.tableName, { value: table.tableName, description: 'DynamoDB table' });
    new CfnOutput(this, OUTPUT.bucketName, { value: bucket.bucketName, description: 'S3 bucket for documents' });
    new CfnOutput(this, OUTPUT.alarmTopicArn, { value: alarms.topic.topicArn, description: 'SNS topic of the alarms' });
    if (this.api.domainName && customer.domain) {
      new CfnOutput(this, OUTPUT.apiDomainTarget, {
        value: this.api.domainName.regionalDomainName,
        description: `DNS target (CNAME or alias) for ${customer.domain.name}`,
      });
    }
  }
}

/** Connects an event function to what invokes it (functions/events.ts). */
function addTrigger(fn: HubFunction, trigger: EventTrigger, table: ITable): void {
  if (trigger.kind === 'tableStream') {
    fn.function.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: trigger.batchSize,
        // Only what failed is retried; a batch that keeps failing is halved to find the culprit.
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: trigger.maxRetries,
        // The stream keeps changes 24 hours: give up (to the dead-letter queue) before they expire.
        maxRecordAge: Duration.hours(23),
        onFailure: new SqsDlq(fn.deadLetters!),
      }),
    );
    Validations.of(fn.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        "Invoked by an event source mapping of the table stream: its failed batches go to the mapping's on-failure SQS queue (the function's DeadLetters).",
    });
    return;
  }
  new Rule(fn, 'Schedule', {
    schedule: Schedule.rate(Duration.minutes(trigger.everyMinutes)),
    // Events EventBridge cannot deliver go to the same queue as the function's own failures.
    targets: [new LambdaFunction(fn.function, { deadLetterQueue: fn.deadLetters!, retryAttempts: 2 })],
  });
}

/**
 * Least privilege from a route's `access`: table read or read/write; bucket read, write (put
 * only: no delete, documents are records) or both. No access: the function gets no data grant.
 * The wildcards these grants carry are acknowledged here, next to the grants that make them.
 */
function grantAccess(
  fn: HubFunction,
  access: RouteAccess | null,
  { table, bucket, secrets }: { table: ITable; bucket: IBucket; secrets: Key },
): void {
  if (!access) return;
  // Seal new webhook secrets, or open stored ones: one action on the stack's own key, nothing else.
  if (access.secrets === 'encrypt') secrets.grant(fn, 'kms:Encrypt');
  if (access.secrets === 'decrypt') secrets.grant(fn, 'kms:Decrypt');
  const stack = Stack.of(fn);
  const tableArn = `<${stack.getLogicalId(table.node.defaultChild as CfnElement)}.Arn>`;
  if (access.table === 'read') table.grantReadData(fn);
  else table.grantReadWriteData(fn);
  Validations.of(fn.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${tableArn}/index/*]`,
    reason: "Queries the table's own indexes (the changes index serves polling); scoped to this stack's table.",
  });

  if (!access.bucket) return;
  const bucketArn = `<${stack.getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>`;
  if (access.bucket === 'read' || access.bucket === 'readWrite') {
    bucket.grantRead(fn);
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*']) {
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          "grantRead on this stack's documents bucket only: objects and their versions; s3:ListBucket makes a missing document a 404 rather than a 403.",
      });
    }
  }
  if (access.bucket === 'write' || access.bucket === 'readWrite') {
    bucket.grantPut(fn);
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
      reason: "grantPut on this stack's documents bucket only: aborting a failed multipart upload of a document.",
    });
  }
  if (access.bucket === 'readWrite') {
    // Record submission removes what a failed attempt stored and the upload copies it attached.
    bucket.grantDelete(fn);
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      reason:
        "grantDelete on this stack's documents bucket only: removes the files of a failed record write and the upload copies of attached documents (versioning keeps a recoverable copy for 30 days).",
    });
  }
  Validations.of(fn.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
    reason: "Documents are objects of this stack's bucket under keys chosen at run time (facility and document id).",
  });
}
