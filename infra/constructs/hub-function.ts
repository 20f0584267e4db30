/**
 * One Lambda function of the hub: a NodejsFunction bundled locally by esbuild as an ESM
 * module, with its own log group, its own role (logs scoped to that group, nothing else
 * until the stack grants table or bucket access) and the settings every handler shares.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IGrantable, type IPrincipal, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTION_TIMEOUT_SECONDS } from '../../functions/routes.ts';
import { FUNCTIONS_DIR, nodejsBundling, PROJECT_ROOT } from './bundling.ts';

export interface HubFunctionProps {
  /** Module under functions/ exporting `handler`, e.g. `http/health.ts`. */
  entry: string;
  description: string;
  /** @default 512 */
  memorySize?: number;
  /** Default FUNCTION_TIMEOUT_SECONDS (functions/routes.ts). */
  timeoutSeconds?: number;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /**
   * 'sync' (default): invoked by API Gateway, the caller receives every error. 'async': an
   * event function (functions/events.ts); it gets a dead-letter queue of its own (`deadLetters`).
   */
  invocation?: 'sync' | 'async';
}

/**
 * Fails fast when esbuild is missing: NodejsFunction would otherwise fall back to bundling in
 * Docker, which this project never does (slow, and a different toolchain than the tests use).
 */
function assertLocalEsbuild(scope: Construct): void {
  try {
    createRequire(resolve(PROJECT_ROOT, 'package.json')).resolve('esbuild');
  } catch {
    throw new Error(`${scope.node.path}: esbuild is not installed (run npm ci); bundling in Docker is disabled on purpose`);
  }
}

/** A hub Lambda function; grant it access through `grantPrincipal` (it is an IGrantable). */
export class HubFunction extends Construct implements IGrantable {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;
  /** Where an asynchronous function's events go after their last retry (null for routes). */
  readonly deadLetters: Queue | null;

  constructor(scope: Construct, id: string, props: HubFunctionProps) {
    super(scope, id);
    assertLocalEsbuild(this);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Our own role instead of AWSLambdaBasicExecutionRole: the function may write to its
    // own log group only, not create or write to any group in the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (${id})`.slice(0, 1000),
    });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const asynchronous = props.invocation === 'async';
    this.deadLetters = asynchronous
      ? new Queue(this, 'DeadLetters', {
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: Duration.days(14),
        })
      : null;
    if (this.deadLetters) {
      for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
        Validations.of(this.deadLetters).acknowledge({
          id,
          reason: 'This queue is itself the dead-letter queue of the function; its messages are inspected and replayed by hand.',
        });
      }
    }

    this.function = new NodejsFunction(this, 'Function', {
      entry: resolve(FUNCTIONS_DIR, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: resolve(PROJECT_ROOT, 'package-lock.json'),
      description: props.description.slice(0, 256),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: Duration.seconds(props.timeoutSeconds ?? FUNCTION_TIMEOUT_SECONDS),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      environment: props.environment,
      bundling: nodejsBundling(),
      // Asynchronous invocations (schedules) retry twice, then go to the on-failure destination.
      ...(this.deadLetters ? { onFailure: new SqsDestination(this.deadLetters), retryAttempts: 2 } : {}),
    });

    // X-Ray's write actions have no resource-level permissions: Resource "*" is the only form.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (Resource "*" is required by X-Ray).',
    });
    // API Gateway invokes the routes synchronously: failures go back to the caller as HTTP
    // errors, there is no asynchronous event to park in a dead-letter queue.
    if (asynchronous) {
      Validations.of(this.function).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          "Failed asynchronous invocations go to the on-failure destination (the DeadLetters queue), the successor of a DLQ; stream batches to the event source mapping's on-failure queue.",
      });
      return;
    }
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked only synchronously by API Gateway (routes and the authorizer): the caller receives the error; a DLQ applies to asynchronous invocations only.',
    });
  }

  get grantPrincipal(): IPrincipal {
    return this.role;
  }
}
