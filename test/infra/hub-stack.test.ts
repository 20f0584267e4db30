/**
 * Template assertions for every example customer's stack. The app is synthesized once for the
 * whole file (esbuild bundles each handler once; the second customer reuses the bundles).
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, test } from 'vitest';
import { EVENT_FUNCTIONS } from '../../functions/events.ts';
import page from '../../functions/generated/docs-page.json' with { type: 'json' };
import { ROUTES, type RouteDef } from '../../functions/routes.ts';
import { ENV } from '../../functions/shared/config.ts';
import { CUSTOMER_DIMENSION_ENV, METRICS_NAMESPACE } from '../../functions/shared/metrics.ts';
import { INDEXES, TABLE } from '../../functions/store/table.ts';
import { OUTPUT } from '../../infra/stacks/stack-outputs.ts';
import { actionsOf, buildHubApp, logicalId, resourcesOf, resourcesOfStatement, statementsOfRole } from './support.ts';

const hub = buildHubApp();
afterAll(() => hub.dispose());

const ROUTE_LIST: readonly RouteDef[] = ROUTES;
/** Every function of a stack: one per route, one per event function, and the authorizer. */
const FUNCTION_COUNT = ROUTE_LIST.length + EVENT_FUNCTIONS.length + 1;
const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

test("one stack per example customer, in the customer's own account and region", () => {
  assert.deepEqual(
    hub.stacks.map((s) => [s.stackName, s.account, s.region]),
    hub.customers.map((c) => [c.stackName, c.account, c.region]),
  );
  for (const stack of hub.stacks) assert.equal(stack.terminationProtection, true);
});

for (const stack of hub.stacks) {
  const { customer } = stack;
  const template = Template.fromStack(stack);
  const tableId = logicalId(stack.table.table);
  const bucketId = logicalId(stack.documents.bucket);
  const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
  const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
  const functions = resourcesOf(template, 'AWS::Lambda::Function');
  const routeFunction = (route: RouteDef) => {
    const fn = stack.routeFunctions.get(route.id);
    assert.ok(fn, `no function for route ${route.id}`);
    return fn;
  };

  describe(`${customer.name} (${customer.region})`, () => {
    test('table: keys and every index from TABLE, on demand, PITR, deletion protection, retained', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          KeySchema: [
            { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: INDEXES.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
          SSESpecification: { SSEEnabled: true },
          TimeToLiveSpecification: { AttributeName: TABLE.timeToLiveAttribute, Enabled: true },
        }),
      });
    });

    test('the pending-derive index of the lot trace is in the table, last of its indexes (one new index per deployment), and sparse on gsi5', () => {
      const table = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'))[0]!;
      const indexes = table.Properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: { AttributeName: string }[] }[];
      assert.equal(indexes.at(-1)!.IndexName, 'recordsPendingDerive');
      assert.deepEqual(
        indexes.at(-1)!.KeySchema.map((k) => k.AttributeName),
        ['gsi5pk', 'gsi5sk'],
      );
      const attributes = (table.Properties.AttributeDefinitions as { AttributeName: string }[]).map((a) => a.AttributeName);
      assert.ok(attributes.includes('gsi5pk') && attributes.includes('gsi5sk'));
    });

    test('documents bucket: private, TLS only, SSE-S3, versioned, lifecycle, retained, access-logged', () => {
      const bucket = resourcesOf(template, 'AWS::S3::Bucket')[bucketId];
      assert.ok(bucket, 'the documents bucket exists');
      assert.equal(bucket.DeletionPolicy, 'Retain');
      assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      assert.deepEqual(bucket.Properties.BucketEncryption, {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      assert.deepEqual(bucket.Properties.VersioningConfiguration, { Status: 'Enabled' });
      const rules = bucket.Properties.LifecycleConfiguration.Rules as Array<Record<string, any>>;
      assert.ok(rules.some((r) => r.Status === 'Enabled' && r.NoncurrentVersionExpiration?.NoncurrentDays === 30));
      assert.ok(rules.some((r) => r.Status === 'Enabled' && r.AbortIncompleteMultipartUpload?.DaysAfterInitiation >= 1));
      const expiring = rules.filter((r) => r.ExpirationInDays !== undefined);
      assert.deepEqual(
        expiring.map((r) => [r.Prefix, r.ExpirationInDays]),
        [['uploads/', 2]],
        'only unattached direct uploads expire; attached documents (documents/) never do',
      );
      assert.deepEqual(bucket.Properties.LoggingConfiguration.DestinationBucketName, { Ref: logicalId(stack.documents.accessLogs) });
      assert.equal(bucket.Properties.CorsConfiguration, undefined);

      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    test("access-log bucket: private, TLS only, kept as long as the customer's logs", () => {
      const logs = resourcesOf(template, 'AWS::S3::Bucket')[logicalId(stack.documents.accessLogs)];
      assert.ok(logs);
      assert.equal(logs.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets, true);
      const rules = logs.Properties.LifecycleConfiguration.Rules as Array<Record<string, any>>;
      assert.ok(rules.some((r) => r.ExpirationInDays === customer.logRetentionDays));
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId(stack.documents.accessLogs) },
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    });

    test('one function per route and event function plus the authorizer: nodejs24.x, arm64, 10 s (reports 28 s, event functions their own), memory, tracing, own log group', () => {
      assert.equal(Object.keys(functions).length, FUNCTION_COUNT);
      const reports = new Set(
        ROUTE_LIST.filter((r) => ['getConsumption', 'listWorkOrderSummaries', 'traceLot', 'traceLotEverywhere'].includes(r.id)).map((r) =>
          logicalId(stack.routeFunctions.get(r.id)!.function),
        ),
      );
      assert.equal(reports.size, 4);
      const timeouts = new Map(EVENT_FUNCTIONS.map((d) => [logicalId(stack.eventFunctions.get(d.id)!.function), d.timeoutSeconds ?? 10]));
      const logGroups = new Set<string>();
      for (const [id, fn] of Object.entries(functions)) {
        const p = fn.Properties;
        assert.equal(p.Runtime, 'nodejs24.x', id);
        assert.deepEqual(p.Architectures, ['arm64'], id);
        assert.equal(p.Timeout, timeouts.get(id) ?? (reports.has(id) ? 28 : 10), id);
        assert.equal(p.Handler, 'index.handler', id);
        assert.deepEqual(p.TracingConfig, { Mode: 'Active' }, id);
        assert.equal(p.MemorySize, id === logicalId(stack.authorizer.function) ? 256 : 512, id);
        const logGroup = p.LoggingConfig?.LogGroup?.Ref as string;
        assert.ok(logGroup, `${id} logs to a log group of its own`);
        logGroups.add(logGroup);
      }
      assert.equal(logGroups.size, Object.keys(functions).length, 'no two functions share a log group');
    });

    test("function environment: table, bucket, the customer's poll settings, Powertools, metrics dimension, source maps", () => {
      assert.equal(CUSTOMER_DIMENSION_ENV, 'MIXTICKET_CUSTOMER', 'the stack sets the variable functions/shared/metrics.ts reads');
      for (const [id, fn] of Object.entries(functions)) {
        assert.deepEqual(
          fn.Properties.Environment.Variables,
          {
            TABLE_NAME: { Ref: tableId },
            BUCKET_NAME: { Ref: bucketId },
            POLL_SETTLE_MS: String(customer.poll.settleMs),
            POLL_PAGE_SIZE: String(customer.poll.pageSize),
            POLL_MAX_BYTES: String(customer.poll.maxBytes),
            [ENV.webhookRetrySchedule]: customer.webhookRetrySchedule ?? '5s,5m,30m,2h,5h,10h,10h',
            [ENV.webhookDisableAfter]: customer.webhookDisableAfter ?? '3d',
            [ENV.pollerSilentAfter]: customer.pollerSilentAfter ?? '15m',
            [ENV.webhookKeyId]: { 'Fn::GetAtt': [logicalId(stack.webhookSecrets), 'Arn'] },
            POWERTOOLS_SERVICE_NAME: 'mixticket-hub',
            [CUSTOMER_DIMENSION_ENV]: customer.name,
            ...(customer.sourceMaps === true ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
          },
          id,
        );
      }
    });

    test('bundles are minified ESM with the require shim, a source map and the AWS SDK inside', () => {
      const pageLines = new Set(page.html.split('\n'));
      for (const [id, fn] of Object.entries(functions)) {
        const assetDir = join(hub.app.outdir, fn.Metadata['aws:asset:path'] as string);
        const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
        assert.ok(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);"), id);
        assert.ok(existsSync(join(assetDir, 'index.mjs.map')), `${id} has a source map`);
        assert.match(code, /\/\/# sourceMappingURL=index\.mjs\.map\s*$/, id);
        assert.doesNotMatch(code, /from\s*["']@aws-sdk\//, `${id} imports no AWS SDK from the runtime`);
        // Minified: long lines. Template literals keep their line breaks: the /docs page is one,
        // so its lines are not counted.
        const lines = code.split('\n').filter((line) => !pageLines.has(line));
        assert.ok(lines.join('\n').length / lines.length > 1000, `${id} is minified`);
      }
      const push = functions[logicalId(stack.routeFunctions.get('pushWorkOrders')!.function)];
      if (push) {
        const code = readFileSync(join(hub.app.outdir, push.Metadata['aws:asset:path'] as string, 'index.mjs'), 'utf8');
        assert.match(code, /DynamoDB/, 'the DynamoDB client is bundled');
      }
    });

    test('the S3 side is a file of its own in the asset: absent from index.mjs, loadable beside it', async () => {
      const fn = functions[logicalId(stack.routeFunctions.get('getDocument')!.function)]!;
      const assetDir = join(hub.app.outdir, fn.Metadata['aws:asset:path'] as string);
      const main = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      assert.doesNotMatch(main, /PutObjectCommand|createPresignedPost/, 'the S3 client is not read at cold init');
      assert.match(main, /s3-objects\.mjs/);
      assert.ok(existsSync(join(assetDir, 's3-objects.mjs.map')), 'with its own source map');
      const lazy = await import(pathToFileURL(join(assetDir, 's3-objects.mjs')).href);
      assert.equal(typeof lazy.presignDownload, 'function');
      assert.equal(typeof lazy.putDocumentObject, 'function');
    });

    test("every route's bundle carries the business metrics (namespace and customer dimension)", () => {
      for (const route of ROUTE_LIST) {
        const fn = functions[logicalId(routeFunction(route).function)]!;
        const code = readFileSync(join(hub.app.outdir, fn.Metadata['aws:asset:path'] as string, 'index.mjs'), 'utf8');
        assert.ok(code.includes(`"${METRICS_NAMESPACE}"`), `${route.id} publishes to ${METRICS_NAMESPACE}`);
        assert.ok(code.includes(CUSTOMER_DIMENSION_ENV), `${route.id} reads the customer dimension`);
      }
    });

    test("log groups: every one keeps logs for the customer's retention", () => {
      const groups = Object.values(resourcesOf(template, 'AWS::Logs::LogGroup'));
      assert.equal(groups.length, FUNCTION_COUNT + 1, 'one per function plus the API access log');
      for (const group of groups) assert.equal(group.Properties.RetentionInDays, customer.logRetentionDays);
    });

    test('every route of the route table, each with its own function, Lambda proxy payload 2.0', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTE_LIST.length);
      const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route'));
      const integrations = resourcesOf(template, 'AWS::ApiGatewayV2::Integration');
      for (const route of ROUTE_LIST) {
        const found = routes.find((r) => r.Properties.RouteKey === `${route.method} ${route.path}`);
        assert.ok(found, `route ${route.method} ${route.path}`);
        const integrationId = (found.Properties.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
        const integration = integrations[integrationId.Ref];
        assert.ok(integration, `integration of ${route.id}`);
        assert.equal(integration.Properties.IntegrationType, 'AWS_PROXY');
        assert.equal(integration.Properties.PayloadFormatVersion, '2.0');
        assert.deepEqual(
          integration.Properties.IntegrationUri,
          { 'Fn::GetAtt': [logicalId(routeFunction(route).function), 'Arn'] },
          route.id,
        );
      }
    });

    test('authorized routes use the API-key authorizer; routes without roles are public', () => {
      const authorizerId = Object.keys(resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer'))[0];
      const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route'));
      for (const route of ROUTE_LIST) {
        const found = routes.find((r) => r.Properties.RouteKey === `${route.method} ${route.path}`)!;
        if (route.roles.length === 0) {
          assert.equal(found.Properties.AuthorizationType, 'NONE', route.id);
          assert.equal(found.Properties.AuthorizerId, undefined, route.id);
        } else {
          assert.equal(found.Properties.AuthorizationType, 'CUSTOM', route.id);
          assert.deepEqual(found.Properties.AuthorizerId, { Ref: authorizerId }, route.id);
        }
      }
      assert.ok(ROUTE_LIST.some((r) => r.roles.length === 0) && ROUTE_LIST.some((r) => r.roles.length > 0), 'both kinds are covered');
    });

    test('authorizer: simple responses, x-api-key identity, cached 300 s, the authorizer function', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        IdentitySource: ['$request.header.x-api-key'],
        AuthorizerResultTtlInSeconds: 300,
        AuthorizerUri: Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [logicalId(stack.authorizer.function), 'Arn'] }])],
        }),
      });
    });

    test("$default stage: auto-deployed, the customer's throttling, JSON access logs", () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      const stage = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Stage'))[0]!;
      assert.equal(stage.Properties.StageName, '$default');
      assert.equal(stage.Properties.AutoDeploy, true);
      assert.deepEqual(stage.Properties.DefaultRouteSettings, {
        ThrottlingRateLimit: customer.throttle.rateLimit,
        ThrottlingBurstLimit: customer.throttle.burstLimit,
      });
      assert.deepEqual(stage.Properties.AccessLogSettings.DestinationArn, { 'Fn::GetAtt': [logicalId(stack.api.accessLogs), 'Arn'] });
      const format = JSON.parse(stage.Properties.AccessLogSettings.Format as string) as Record<string, string>;
      assert.equal(format.requestId, '$context.requestId');
      assert.equal(format.ip, '$context.identity.sourceIp');
      assert.equal(format.routeKey, '$context.routeKey');
      assert.equal(format.status, '$context.status');
      assert.equal(format.latency, '$context.responseLatency');
      assert.equal(format.integrationError, '$context.integrationErrorMessage');
    });

    test('custom domain only when the customer has one', () => {
      const outputs = template.findOutputs('*');
      if (customer.domain) {
        template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
          DomainName: customer.domain.name,
          DomainNameConfigurations: [
            { CertificateArn: customer.domain.certificateArn, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' },
          ],
        });
        template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { Stage: '$default' });
        assert.equal(outputs.ApiUrl?.Value, `https://${customer.domain.name}/`);
        assert.ok(outputs.ApiDomainTarget, 'the DNS target is an output');
      } else {
        template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
        template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 0);
        assert.match(JSON.stringify(outputs.ApiUrl?.Value), /execute-api/);
      }
    });

    test('outputs: ApiUrl, TableName, BucketName and the alarm topic under stable keys', () => {
      const outputs = template.findOutputs('*');
      assert.deepEqual(
        [OUTPUT.apiUrl, OUTPUT.executeApiUrl, OUTPUT.tableName, OUTPUT.bucketName, OUTPUT.alarmTopicArn],
        ['ApiUrl', 'ExecuteApiUrl', 'TableName', 'BucketName', 'AlarmTopicArn'],
        'deployed stacks and the keys CLI rely on these keys',
      );
      assert.ok(outputs[OUTPUT.apiUrl]);
      assert.deepEqual(outputs[OUTPUT.executeApiUrl]?.Value, {
        'Fn::Join': [
          '',
          ['https://', { Ref: logicalId(stack.api.api) }, `.execute-api.${customer.region}.`, { Ref: 'AWS::URLSuffix' }, '/'],
        ],
      });
      assert.deepEqual(outputs[OUTPUT.tableName]?.Value, { Ref: tableId });
      assert.deepEqual(outputs[OUTPUT.bucketName]?.Value, { Ref: bucketId });
      assert.deepEqual(outputs[OUTPUT.alarmTopicArn]?.Value, { Ref: logicalId(stack.alarms.topic) });
    });

    test("IAM: each route's function gets exactly the table and bucket access its route names", () => {
      for (const route of ROUTE_LIST) {
        const statements = statementsOfRole(template, logicalId(routeFunction(route).role));
        const actions = statements.flatMap(actionsOf);
        const tableActions = actions.filter((a) => a.startsWith('dynamodb:'));
        const bucketActions = actions.filter((a) => a.startsWith('s3:'));
        if (!route.access) {
          assert.deepEqual(tableActions, [], `${route.id} has no table access`);
        } else if (route.access.table === 'read') {
          for (const a of TABLE_READ_ACTIONS) assert.ok(tableActions.includes(a), `${route.id} may ${a}`);
          for (const a of TABLE_WRITE_ACTIONS) assert.ok(!tableActions.includes(a), `${route.id} may not ${a}`);
        } else {
          for (const a of [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS]) assert.ok(tableActions.includes(a), `${route.id} may ${a}`);
        }
        if (!route.access?.bucket) assert.deepEqual(bucketActions, [], `${route.id} has no bucket access`);
      }
    });

    test('IAM: the health function has no table permissions; the get route reads only', () => {
      const health = statementsOfRole(template, logicalId(stack.routeFunctions.get('health')!.role)).flatMap(actionsOf);
      assert.ok(!health.some((a) => a.startsWith('dynamodb:') || a.startsWith('s3:')), health.join(', '));
      const get = statementsOfRole(template, logicalId(stack.routeFunctions.get('getWorkOrder')!.role)).flatMap(actionsOf);
      const getTable = get.filter((a) => a.startsWith('dynamodb:')).sort();
      assert.deepEqual(getTable, [
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:Query',
        'dynamodb:Scan',
      ]);
    });

    test('IAM: the authorizer reads the table and nothing else', () => {
      const actions = statementsOfRole(template, logicalId(stack.authorizer.role)).flatMap(actionsOf);
      assert.ok(actions.includes('dynamodb:GetItem'));
      assert.ok(!actions.some((a) => TABLE_WRITE_ACTIONS.includes(a) || a.startsWith('s3:')), actions.join(', '));
    });

    test('IAM: grants are scoped to this stack\'s table and bucket; logs to the function\'s own group; "*" only for X-Ray', () => {
      const roles = resourcesOf(template, 'AWS::IAM::Role');
      assert.equal(Object.keys(roles).length, FUNCTION_COUNT, 'one role per function');
      for (const [roleId, role] of Object.entries(roles)) {
        assert.equal(role.Properties.ManagedPolicyArns, undefined, `${roleId} has no managed policies`);
        for (const statement of statementsOfRole(template, roleId)) {
          const actions = actionsOf(statement);
          const resources = resourcesOfStatement(statement);
          // A stream consumer's mapping: ListStreams has no resource-level permission (CDK puts it beside X-Ray's "*").
          if (resources.includes('*')) {
            const allowed = ['dynamodb:ListStreams', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
            assert.ok(
              actions.every((a) => allowed.includes(a)),
              `${roleId}: ${actions.join(', ')} on "*"`,
            );
            continue;
          }
          // The stream reads are on this table's stream.
          if (actions.every((a) => ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'].includes(a))) {
            assert.deepEqual(resources, [{ 'Fn::GetAtt': [tableId, 'StreamArn'] }], roleId);
            continue;
          }
          if (actions.some((a) => a.startsWith('dynamodb:'))) {
            assert.deepEqual(resources, [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }], roleId);
          }
          if (actions.some((a) => a.startsWith('s3:'))) {
            const ownBucket = [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }].map((r) => JSON.stringify(r));
            for (const resource of resources)
              assert.ok(
                ownBucket.includes(JSON.stringify(resource)),
                `${roleId}: ${JSON.stringify(resource)} is not this stack's documents bucket`,
              );
          }
          if (actions.some((a) => a.startsWith('kms:'))) {
            assert.deepEqual(
              resources,
              [{ 'Fn::GetAtt': [logicalId(stack.webhookSecrets), 'Arn'] }],
              `${roleId}: only the webhook secrets key`,
            );
          }
          if (actions.some((a) => a.startsWith('logs:'))) {
            assert.equal(resources.length, 1, roleId);
            assert.deepEqual(Object.keys(resources[0] as object), ['Fn::GetAtt'], `${roleId} writes to one log group`);
          }
          assert.ok(!actions.some((a) => a.startsWith('cloudwatch:')), `${roleId}: metrics travel as EMF in the logs, no CloudWatch grant`);
        }
      }
    });

    describe('alarms', () => {
      const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
      const topicRef = { Ref: logicalId(stack.alarms.topic) };
      /** The metric-math alarms that sum `metricName` of functions, and the functions each watches. */
      const onFunctions = (metricName: string) =>
        alarms
          .filter((a) => JSON.stringify(a.Properties.Metrics ?? []).includes('"AWS/Lambda"'))
          .map((a) => {
            const stats = (a.Properties.Metrics as Array<Record<string, any>>).filter((m) => m.MetricStat).map((m) => m.MetricStat);
            return { alarm: a, stats: stats.filter((st) => st.Metric.MetricName === metricName) };
          })
          .filter((x) => x.stats.length > 0);
      const composites = Object.values(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm'));
      const alarmIds = new Map(Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map(([id, a]) => [a, id]));
      const idOf = (alarm: (typeof alarms)[number]) => alarmIds.get(alarm)!;

      test('fixed cost: CloudFormation resources well under the 500 limit, alarms that do not grow per function', () => {
        const resources = Object.keys(template.toJSON().Resources).length;
        const alarmCount = Object.keys(resourcesOf(template, 'AWS::CloudWatch::Alarm')).length;
        const metrics = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).reduce(
          (n, a) =>
            n + (a.Properties.Metrics ? (a.Properties.Metrics as { Expression?: string }[]).filter((m) => !m.Expression).length : 1),
          0,
        );
        console.log(
          `${customer.name}: ${Object.keys(functions).length} functions, ${resources} resources, ${alarmCount} metric alarms over ${metrics} metrics`,
        );
        assert.ok(resources <= 400, `${resources} resources leave room to grow below 500`);
        // Function alarms come in groups of ten functions: a tenfold growth of functions is not tenfold alarms.
        // Table throttles: one alarm per 10 metrics (two per index), not per function either.
        // Fixed ones besides: API 5xx, each stream consumer's lag, overdue deliveries, silent pollers.
        const tableAlarms = Math.ceil((2 + 2 * INDEXES.length) / 10);
        assert.ok(alarmCount <= 7 + tableAlarms + 2 * Math.ceil(Object.keys(functions).length / 10), `${alarmCount} alarms`);
      });

      test("the customer's alarm email is subscribed to the alarm topic", () => {
        template.resourceCountIs('AWS::SNS::Topic', 1);
        template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: customer.alarmEmail, TopicArn: topicRef });
      });

      test('every function: its errors and its throttles are summed into an alarm (at least 1 in 5 minutes), 10 metrics per alarm at most', () => {
        for (const metricName of ['Errors', 'Throttles']) {
          const groups = onFunctions(metricName);
          assert.equal(groups.length, Math.ceil(Object.keys(functions).length / 10), `${metricName}: one alarm per 10 functions`);
          const watched = groups.flatMap((g) =>
            g.stats.map((st) => {
              assert.equal(st.Stat, 'Sum');
              assert.equal(st.Period, 300);
              return JSON.stringify(st.Metric.Dimensions);
            }),
          );
          for (const fnId of Object.keys(functions)) {
            const dims = JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fnId } }]);
            assert.equal(watched.filter((w) => w === dims).length, 1, `${metricName} of ${fnId} are watched once`);
          }
          for (const { alarm } of groups) {
            assert.ok((alarm.Properties.Metrics as unknown[]).length <= 11, 'at most 10 metrics and the expression');
            assert.match((alarm.Properties.Metrics as Array<Record<string, any>>).find((m) => m.Expression)?.Expression, /^SUM\(\[.+\]\)$/);
            assert.equal(alarm.Properties.Threshold, 1);
            assert.equal(alarm.Properties.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
          }
        }
      });

      test('one composite alarm mails about every function alarm: one mail per outage, not one per function', () => {
        assert.equal(composites.length, 1);
        const composite = composites[0]!;
        assert.equal(composite.Properties.AlarmName, `MixTicketHub-${customer.name}-Functions`);
        assert.deepEqual(composite.Properties.AlarmActions, [topicRef]);
        assert.deepEqual(composite.Properties.OKActions, [topicRef]);
        const rule = JSON.stringify(composite.Properties.AlarmRule);
        for (const { alarm } of [...onFunctions('Errors'), ...onFunctions('Throttles')]) {
          assert.ok(rule.includes(`"${idOf(alarm)}"`), `the composite covers ${alarm.Properties.AlarmName}`);
          assert.equal(alarm.Properties.AlarmActions, undefined, 'a grouped alarm mails through the composite only');
        }
      });

      test("the API's 5xx answers raise an alarm", () => {
        const found = alarms.filter((a) => a.Properties.Namespace === 'AWS/ApiGateway' && a.Properties.MetricName === '5xx');
        assert.equal(found.length, 1);
        assert.deepEqual(found[0]!.Properties.Dimensions, [{ Name: 'ApiId', Value: { Ref: logicalId(stack.api.api) } }]);
      });

      test('DynamoDB read and write throttle events of the table and of every index raise an alarm (one per 10 metrics, CloudWatch math holds no more)', () => {
        const found = alarms.filter((a) => JSON.stringify(a.Properties.Metrics ?? []).includes('AWS/DynamoDB'));
        assert.equal(found.length, Math.ceil((2 + 2 * INDEXES.length) / 10));
        const metrics = found.flatMap((f) => f.Properties.Metrics as Array<Record<string, any>>);
        for (const expression of metrics.filter((m) => m.Expression)) {
          assert.match(expression.Expression, /^SUM\(\[.+\]\)$/);
          assert.equal(expression.ReturnData, true);
        }
        const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat);
        const watched = stats.map((st) => {
          const dims = Object.fromEntries((st.Metric.Dimensions as Array<{ Name: string; Value: unknown }>).map((d) => [d.Name, d.Value]));
          assert.equal(st.Metric.Namespace, 'AWS/DynamoDB');
          assert.deepEqual(dims.TableName, { Ref: tableId }, "this stack's table");
          assert.equal(st.Stat, 'Sum');
          return `${st.Metric.MetricName}@${(dims.GlobalSecondaryIndexName as string | undefined) ?? 'table'}`;
        });
        const expected = ['table', ...INDEXES.map((i) => i.name)].flatMap((on) => [
          `ReadThrottleEvents@${on}`,
          `WriteThrottleEvents@${on}`,
        ]);
        assert.deepEqual(watched.sort(), expected.sort());
        for (const f of found) assert.equal(f.Properties.Threshold, 1);
      });

      test('every alarm is named after the customer; each mails on alarm and on recovery, itself or through the composite', () => {
        const groups = 2 * Math.ceil(Object.keys(functions).length / 10) + Math.ceil(EVENT_FUNCTIONS.length / 10);
        // Every stream function's iterator age (the webhook dispatcher's, the derive engine's backstop's, the overview's
        // counters'), the sender's overdue deliveries, and silent pollers (operator view).
        const streamFunctions = EVENT_FUNCTIONS.filter((d) => d.trigger.kind === 'tableStream').length;
        assert.equal(
          alarms.length,
          groups + 1 + Math.ceil((2 + 2 * INDEXES.length) / 10) + streamFunctions + 1 + 1,
          'errors, throttles and dead letters per 10 functions, API 5xx, table throttles, stream lag, push lag, silent pollers: not per function',
        );
        const composed = JSON.stringify(composites.map((c) => c.Properties.AlarmRule));
        const names = new Set<string>();
        for (const alarm of alarms) {
          const name = alarm.Properties.AlarmName as string;
          assert.ok(name.startsWith(`MixTicketHub-${customer.name}-`), name);
          names.add(name);
          assert.ok((alarm.Properties.AlarmDescription as string).includes(customer.name), name);
          if (composed.includes(`"${idOf(alarm)}"`)) {
            assert.equal(alarm.Properties.AlarmActions, undefined, name);
          } else {
            assert.deepEqual(alarm.Properties.AlarmActions, [topicRef], name);
            assert.deepEqual(alarm.Properties.OKActions, [topicRef], name);
          }
          assert.equal(alarm.Properties.TreatMissingData, 'notBreaching', name);
        }
        assert.equal(names.size, alarms.length, 'alarm names are unique');
      });
    });
  });
}
