/**
 * The event-function table's home on AWS: a stack built with one function of each trigger
 * (the table is empty until push delivery lands) gives each its own role, log group, alarms
 * and dead-letter queue, a stream mapping that retries only what failed, and a schedule.
 */
import assert from 'node:assert/strict';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, test } from 'vitest';
import { HubStack } from '../../infra/stacks/hub-stack.ts';
import { buildHubApp, EVERY_TRIGGER, logicalId, resourcesOf } from './support.ts';

const hub = buildHubApp({ bundle: false });
afterAll(() => hub.dispose());

const DEFS = EVERY_TRIGGER;
const customer = hub.customers[0]!;
const stack = new HubStack(hub.app, 'WithEventFunctions', {
  customer: { ...customer, stackName: 'WithEventFunctions' },
  eventFunctions: DEFS,
  env: { account: customer.account, region: customer.region },
});
const template = Template.fromStack(stack);

describe('event functions', () => {
  test('the table has a change stream with old and new images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  });

  test('each event function has its own role, log group and an encrypted dead-letter queue', () => {
    for (const def of DEFS) {
      const fn = stack.eventFunctions.get(def.id)!;
      assert.ok(fn.deadLetters, `${def.id} has a dead-letter queue`);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [logicalId(fn.role), 'Arn'] },
        LoggingConfig: Match.objectLike({ LogGroup: { Ref: logicalId(fn.logGroup) } }),
      });
      const queue = resourcesOf(template, 'AWS::SQS::Queue')[logicalId(fn.deadLetters)]!;
      assert.equal(queue.Properties.SqsManagedSseEnabled, true);
    }
    const roles = new Set(DEFS.map((d) => logicalId(stack.eventFunctions.get(d.id)!.role)));
    assert.equal(roles.size, DEFS.length, 'no shared role');
  });

  test('the stream mapping reports partial failures, bisects, bounds retries and age, and parks failures in the queue', () => {
    const fn = stack.eventFunctions.get('onTableChange')!;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(fn.function) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.table.table), 'StreamArn'] },
      BatchSize: 100,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 23 * 3600,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(fn.deadLetters!), 'Arn'] } } },
    });
  });

  test('the schedule invokes its function at its rate; failed invocations go to the queue after two retries', () => {
    const fn = stack.eventFunctions.get('everyFiveMinutes')!;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(fn.function) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(fn.deadLetters!), 'Arn'] } } },
    });
  });

  test('errors, throttles and dead letters of every event function are watched by the grouped alarms', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
    const watched = alarms.flatMap((a) =>
      ((a.Properties.Metrics ?? []) as Array<Record<string, any>>)
        .filter((m) => m.MetricStat)
        .map((m) => `${m.MetricStat.Metric.MetricName}@${JSON.stringify(m.MetricStat.Metric.Dimensions)}`),
    );
    for (const id of ['onTableChange', 'everyFiveMinutes']) {
      const fn = stack.eventFunctions.get(id)!;
      for (const metricName of ['Errors', 'Throttles']) {
        const dims = JSON.stringify([{ Name: 'FunctionName', Value: { Ref: logicalId(fn.function) } }]);
        assert.ok(watched.includes(`${metricName}@${dims}`), `${metricName} of ${id}`);
      }
      const queue = JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(fn.deadLetters!), 'QueueName'] } }]);
      assert.ok(watched.includes(`ApproximateNumberOfMessagesVisible@${queue}`), `dead letters of ${id} among ${watched.join(', ')}`);
    }
  });

  test('a function without access gets no data grant', () => {
    const role = stack.eventFunctions.get('noAccess')!.role;
    const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((p) =>
      (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: logicalId(role) })),
    );
    const actions = policies.flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((s) => s.Action),
    );
    assert.ok(!actions.some((a) => a.startsWith('dynamodb:') || a.startsWith('s3:')), actions.join(', '));
  });
});
