/**
 * Least privilege for the kinds of access the route table does not use yet (the documents
 * routes will): each `access` maps to exactly its grants, scoped to the stack's own bucket.
 * Bundling is skipped: only the IAM policies are looked at.
 */

import assert from 'node:assert/strict';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, test } from 'vitest';
import type { RouteDef } from '../../functions/routes.ts';
import { HubStack } from '../../infra/stacks/hub-stack.ts';
import { actionsOf, buildHubApp, logicalId, resourcesOfStatement, statementsOfRole } from './support.ts';

const hub = buildHubApp({ bundle: false });
afterAll(() => hub.dispose());

const route = (id: string, access: RouteDef['access']): RouteDef => ({
  id,
  method: 'POST',
  path: `/test/${id}`,
  entry: 'http/health.ts',
  roles: ['pcs'],
  access,
});
const ROUTES_UNDER_TEST = [
  route('none', null),
  route('tableRead', { table: 'read' }),
  route('bucketRead', { table: 'read', bucket: 'read' }),
  route('bucketWrite', { table: 'readWrite', bucket: 'write' }),
  route('bucketReadWrite', { table: 'readWrite', bucket: 'readWrite' }),
];
const customer = { ...hub.customers[1]!, stackName: 'AccessUnderTest' };
const stack = new HubStack(hub.app, 'AccessUnderTest', {
  customer,
  routes: ROUTES_UNDER_TEST,
  env: { account: customer.account, region: customer.region },
});
const template = Template.fromStack(stack);
const bucketArn = { 'Fn::GetAtt': [logicalId(stack.documents.bucket), 'Arn'] };

function s3Statements(routeId: string) {
  const fn = stack.routeFunctions.get(routeId)!;
  return statementsOfRole(template, logicalId(fn.role)).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
}
const s3Actions = (routeId: string) => s3Statements(routeId).flatMap(actionsOf).sort();

test('no bucket access: no s3 action at all', () => {
  assert.deepEqual(s3Actions('none'), []);
  assert.deepEqual(s3Actions('tableRead'), []);
});

test('bucket read: get and list, no put, no delete', () => {
  const actions = s3Actions('bucketRead');
  assert.ok(actions.includes('s3:GetObject*') && actions.includes('s3:List*'), actions.join(', '));
  assert.ok(!actions.some((a) => a.startsWith('s3:Put') || a.startsWith('s3:Delete')), actions.join(', '));
});

test('bucket write: put only, no read, never delete (documents are records)', () => {
  const actions = s3Actions('bucketWrite');
  assert.ok(actions.includes('s3:PutObject'), actions.join(', '));
  assert.ok(!actions.some((a) => a.startsWith('s3:Get') || a.startsWith('s3:List') || a.startsWith('s3:Delete')), actions.join(', '));
});

test('bucket readWrite: read, put and delete objects (record submission cleans up after itself)', () => {
  const actions = s3Actions('bucketReadWrite');
  assert.ok(actions.includes('s3:GetObject*') && actions.includes('s3:PutObject'), actions.join(', '));
  assert.ok(actions.includes('s3:DeleteObject*'), actions.join(', '));
  assert.ok(!actions.some((a) => a.startsWith('s3:DeleteBucket')), actions.join(', '));
});

test("bucket grants name this stack's documents bucket and its objects only", () => {
  for (const id of ['bucketRead', 'bucketWrite', 'bucketReadWrite']) {
    for (const statement of s3Statements(id)) {
      for (const resource of resourcesOfStatement(statement)) {
        const ok =
          JSON.stringify(resource) === JSON.stringify(bucketArn) ||
          JSON.stringify(resource) === JSON.stringify({ 'Fn::Join': ['', [bucketArn, '/*']] });
        assert.ok(ok, `${id}: ${JSON.stringify(resource)}`);
      }
    }
  }
});
