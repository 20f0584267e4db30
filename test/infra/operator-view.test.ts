/**
 * The operator view on AWS, in every example customer's stack: one CloudWatch dashboard (requests,
 * 4xx/5xx, latency, polls, webhook deliveries and failures, dead letters, silent pollers), the
 * SilentPollers alarm to the stack's alarm topic fed by the scheduled pollerWatch function, the
 * facilityStats stream consumer, and POLLER_SILENT_AFTER per customer. cdk-nag runs over the same
 * stacks in nag.test.ts.
 */
import assert from 'node:assert/strict';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, test } from 'vitest';
import { ENV, OPERATOR_SETTINGS } from '../../functions/shared/config.ts';
import { dashboardName } from '../../infra/constructs/hub-dashboard.ts';
import { buildHubApp, logicalId, resourcesOf } from './support.ts';

const hub = buildHubApp({ bundle: false });
afterAll(() => hub.dispose());

for (const stack of hub.stacks) {
  const template = Template.fromStack(stack);

  describe(`the operator view in ${stack.stackName}`, () => {
    test('one dashboard named after the customer, with every figure the operator needs', () => {
      const dashboards = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
      assert.equal(dashboards.length, 1);
      const { DashboardName, DashboardBody } = dashboards[0]!.Properties;
      assert.equal(DashboardName, dashboardName(stack.customer.name));
      const body = JSON.stringify(DashboardBody);
      for (const title of ['Requests', '4xx and 5xx', 'Latency (ms)', 'Polls', 'Webhook deliveries', 'Dead letters and silent pollers']) {
        assert.ok(body.includes(title), `widget ${title}`);
      }
      for (const metric of [
        'Count',
        '4xx',
        '5xx',
        'Latency',
        'polls',
        'webhookAttempts',
        'webhookFailures',
        'webhookDeadLetters',
        'silentPollers',
      ]) {
        assert.ok(body.includes(metric), `metric ${metric}`);
      }
      assert.ok(body.includes('ApproximateNumberOfMessagesVisible'), "the event functions' dead letters");
    });

    test('the SilentPollers alarm watches the count pollerWatch publishes every 5 minutes, and mails the alarm topic', () => {
      const alarm = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).find((a) =>
        JSON.stringify(a.Properties.AlarmName).includes('SilentPollers'),
      );
      assert.ok(alarm, 'SilentPollers alarm');
      const p = alarm.Properties;
      assert.deepEqual(
        [p.Namespace, p.MetricName, p.Threshold, p.ComparisonOperator],
        ['MixTicketHub', 'silentPollers', 1, 'GreaterThanOrEqualToThreshold'],
      );
      assert.deepEqual(p.Dimensions.find((d: { Name: string }) => d.Name === 'customer').Value, stack.customer.name);
      const topic = { Ref: logicalId(stack.alarms.topic) };
      assert.deepEqual(p.AlarmActions, [topic]);
      assert.deepEqual(p.OKActions, [topic]);
      const watch = stack.eventFunctions.get('pollerWatch')!;
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(watch.function), 'Arn'] } })],
      });
      const vars = resourcesOf(template, 'AWS::Lambda::Function')[logicalId(watch.function)]!.Properties.Environment.Variables;
      assert.equal(vars[ENV.pollerSilentAfter], stack.customer.pollerSilentAfter ?? OPERATOR_SETTINGS.silentAfter);
    });

    test('facilityStats consumes the table stream with partial batch failures and a dead-letter queue', () => {
      const fn = stack.eventFunctions.get('facilityStats')!;
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(fn.function) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.table.table), 'StreamArn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(fn.deadLetters!), 'Arn'] } } },
      });
    });
  });
}
