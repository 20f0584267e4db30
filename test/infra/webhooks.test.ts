/**
 * Push delivery on AWS, in every example customer's stack: the KMS key of the webhook secrets
 * (rotation on) and who may use it (only the routes that seal secrets may Encrypt, only the
 * sender may Decrypt), the dispatcher's stream mapping, the sender's schedule, the per-customer
 * retry settings, and the alarms (iterator age, overdue deliveries, dead letters) under the
 * fleet's composite alarm.
 */
import assert from 'node:assert/strict';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, test } from 'vitest';
import { ROUTES } from '../../functions/routes.ts';
import { ENV, WEBHOOK_SETTINGS } from '../../functions/shared/config.ts';
import { actionsOf, buildHubApp, logicalId, resourcesOf, statementsOfRole } from './support.ts';

const hub = buildHubApp({ bundle: false });
afterAll(() => hub.dispose());

for (const stack of hub.stacks) {
  const template = Template.fromStack(stack);
  const keyId = logicalId(stack.webhookSecrets);
  const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
  const kmsActions = (roleId: string) =>
    statementsOfRole(template, roleId)
      .filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')))
      .flatMap((s) => {
        assert.deepEqual(s.Resource, keyArn, 'only the stack key');
        return actionsOf(s);
      })
      .sort();

  describe(`push delivery in ${stack.stackName}`, () => {
    test('the secrets key rotates, and each function gets exactly the KMS action it needs', () => {
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      const sealing = new Set(ROUTES.filter((r) => (r.access as { secrets?: string } | null)?.secrets === 'encrypt').map((r) => r.id));
      assert.deepEqual([...sealing].sort(), ['createSubscription', 'rotateSubscriptionSecret']);
      for (const route of ROUTES) {
        const role = logicalId(stack.routeFunctions.get(route.id)!.role);
        assert.deepEqual(kmsActions(role), sealing.has(route.id) ? ['kms:Encrypt'] : [], route.id);
      }
      assert.deepEqual(kmsActions(logicalId(stack.eventFunctions.get('webhookSend')!.role)), ['kms:Decrypt']);
      assert.deepEqual(kmsActions(logicalId(stack.eventFunctions.get('webhookDispatch')!.role)), []);
      assert.deepEqual(kmsActions(logicalId(stack.authorizer.role)), []);
    });

    test('the dispatcher reads the table stream; the sender runs every minute with time for its loop', () => {
      const dispatch = stack.eventFunctions.get('webhookDispatch')!;
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(dispatch.function) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.table.table), 'StreamArn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(dispatch.deadLetters!), 'Arn'] } } },
      });
      const send = stack.eventFunctions.get('webhookSend')!;
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(send.function), 'Arn'] } })],
      });
      const fn = resourcesOf(template, 'AWS::Lambda::Function')[logicalId(send.function)]!;
      assert.equal(fn.Properties.Timeout, 90);
      const vars = fn.Properties.Environment.Variables;
      assert.deepEqual(vars[ENV.webhookKeyId], { 'Fn::GetAtt': [keyId, 'Arn'] });
      assert.equal(vars[ENV.webhookRetrySchedule], stack.customer.webhookRetrySchedule ?? WEBHOOK_SETTINGS.retrySchedule);
      assert.equal(vars[ENV.webhookDisableAfter], stack.customer.webhookDisableAfter ?? WEBHOOK_SETTINGS.disableAfter);
    });

    test('iterator age, overdue deliveries and dead letters are alarms under the fleet composite', () => {
      const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm');
      const byName = (part: string) => Object.entries(alarms).find(([, a]) => JSON.stringify(a.Properties.AlarmName).includes(part));
      const age = byName('WebhookDispatchIteratorAge');
      assert.ok(age, 'iterator age alarm');
      assert.equal(age[1].Properties.MetricName, 'IteratorAge');
      assert.equal(age[1].Properties.Threshold, 300_000);
      const overdue = byName('WebhooksOverdue');
      assert.ok(overdue, 'overdue alarm');
      assert.equal(overdue[1].Properties.MetricName, 'webhookOldestDueSeconds');
      assert.equal(overdue[1].Properties.Namespace, 'MixTicketHub');
      assert.deepEqual(overdue[1].Properties.Dimensions.map((d: { Name: string }) => d.Name).sort(), ['customer', 'service']);
      const composite = Object.values(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm'))[0]!;
      const rule = JSON.stringify(composite.Properties.AlarmRule);
      for (const [id] of [age, overdue]) assert.ok(rule.includes(id), `${id} in the composite`);
    });
  });
}
