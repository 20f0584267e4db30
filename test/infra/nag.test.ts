/**
 * cdk-nag (AwsSolutions and Serverless packs, exactly those app.ts registers): no finding may be
 * left unacknowledged, and every acknowledgement sits on the construct it concerns, with a reason.
 * The packs read the construct tree, not the bundles, so this file skips esbuild.
 */

import assert from 'node:assert/strict';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { afterAll, test } from 'vitest';
import { ROUTES, type RouteDef } from '../../functions/routes.ts';
import { nagPacks } from '../../infra/stacks/hub-app.ts';
import { HubStack } from '../../infra/stacks/hub-stack.ts';
import { buildHubApp, EVERY_TRIGGER } from './support.ts';

const hub = buildHubApp({ bundle: false });
afterAll(() => hub.dispose());

// Today's routes plus one synthetic route for each kind of bucket access a route may declare
// (read, write, readWrite), whether or not a route of today's table uses it: a new route's grants
// and acknowledgements are held to the packs before it exists.
const EVERY_ACCESS_ROUTES: readonly RouteDef[] = [
  ...(ROUTES as readonly RouteDef[]),
  {
    id: 'readsDocuments',
    method: 'GET',
    path: '/test/read',
    entry: 'http/health.ts',
    roles: ['erp'],
    access: { table: 'read', bucket: 'read' },
  },
  {
    id: 'writesDocuments',
    method: 'POST',
    path: '/test/write',
    entry: 'http/health.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'write' },
  },
  {
    id: 'readsWritesDocuments',
    method: 'POST',
    path: '/test/rw',
    entry: 'http/health.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'readWrite' },
  },
];
const customer = hub.customers[0]!;
new HubStack(hub.app, 'EveryAccessRoutes', {
  customer: { ...customer, stackName: 'EveryAccessRoutes' },
  routes: EVERY_ACCESS_ROUTES,
  // And one event function of each trigger, so the event-function table's first entries meet the packs too.
  eventFunctions: EVERY_TRIGGER,
  env: { account: customer.account, region: customer.region },
});

interface Acknowledgement {
  path: string;
  construct: IConstruct;
  id: string;
  reason: string;
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          construct,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

test('no unacknowledged AwsSolutions or Serverless finding in any stack', () => {
  for (const pack of nagPacks()) {
    const report = pack.validateScope(hub.app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}: ${v.description}`),
    );
    assert.deepEqual(findings, [], `${pack.readPackName}:\n${findings.join('\n')}`);
    assert.equal(report.success, true);
  }
});

test('the packs do report findings (the check above is not vacuous)', () => {
  const app = new App();
  const stack = new Stack(app, 'Bare');
  new Bucket(stack, 'Plain');
  const [awsSolutions] = nagPacks();
  const rules = awsSolutions!.validateScope(app).violations.map((v) => v.ruleName);
  assert.ok(rules.includes('AwsSolutions-S1'), rules.join(', '));
  assert.ok(rules.includes('AwsSolutions-S10'), rules.join(', '));
});

test('every acknowledgement carries a reason and sits on the construct it concerns, never on a stack', () => {
  const all = acknowledgements(hub.app);
  assert.ok(all.length > 0);
  for (const ack of all) {
    assert.ok(ack.reason.trim().length >= 40, `${ack.id} at ${ack.path} explains itself: ${JSON.stringify(ack.reason)}`);
    assert.ok(!Stack.isStack(ack.construct) && ack.construct !== hub.app, `${ack.id} is acknowledged on ${ack.path}, a whole stack`);
  }
});

test('only reviewed rules are acknowledged', () => {
  const reviewed = [
    /^AwsSolutions-IAM5\[Resource::\*\]$/, // X-Ray
    /^AwsSolutions-IAM5\[Resource::<\w+\.Arn>\/index\/\*\]$/, // the stack's table indexes
    /^AwsSolutions-IAM5\[Resource::<\w+\.Arn>\/\*\]$/, // the stack's document objects
    /^AwsSolutions-IAM5\[Action::s3:(GetObject\*|GetBucket\*|List\*|Abort\*|DeleteObject\*)\]$/, // grantRead / grantPut / grantDelete
    /^AwsSolutions-APIG4$/, // public routes
    /^AwsSolutions-S1$/, // the access-log bucket
    /^AwsSolutions-SNS2$/, // alarm topic
    /^Serverless-SNSRedrivePolicy$/, // alarm email
    /^Serverless-LambdaDLQ$/, // synchronous functions, and stream functions (their DLQ is on the event source mapping)
    /^(AwsSolutions-SQS3|Serverless-SQSRedrivePolicy)$/, // a dead-letter queue needs none of its own
    /^Serverless-APIGWXrayEnabled$/, // HTTP APIs have no X-Ray
  ];
  for (const ack of acknowledgements(hub.app)) {
    assert.ok(
      reviewed.some((r) => r.test(ack.id)),
      `unreviewed acknowledgement ${ack.id} at ${ack.path}`,
    );
  }
});

test('the missing-authorization finding is acknowledged on public routes only', () => {
  const publicRoutes = new Set(EVERY_ACCESS_ROUTES.filter((r) => r.roles.length === 0).map((r) => `${r.method} ${r.path}`));
  const apig4 = acknowledgements(hub.app).filter((a) => a.id === 'AwsSolutions-APIG4');
  assert.ok(apig4.length > 0);
  for (const ack of apig4) {
    const route = ack.construct.node.defaultChild;
    assert.ok(route instanceof CfnRoute, `APIG4 acknowledged on ${ack.path}, which is not a route`);
    assert.ok(publicRoutes.has(route.routeKey), `APIG4 acknowledged on ${route.routeKey}, which is not a public route`);
    assert.equal(route.authorizationType, 'NONE');
  }
});
