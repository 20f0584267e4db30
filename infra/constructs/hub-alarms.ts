/**
 * The alarms a customer's operator is mailed about: crashed or timed-out functions (handled
 * errors become problem+json responses and do not count) and server errors of the API.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

const PERIOD = Duration.minutes(5);

export interface HubAlarmsProps {
  customerName: string;
  email: string;
}

export class HubAlarms extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: HubAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: `MixTicket hub ${props.customerName} alarms`,
      enforceSSL: true,
    });
    const subscription = this.topic.addSubscription(new EmailSubscription(props.email));
    Validations.of(subscription).acknowledge({
      id: 'Serverless-SNSRedrivePolicy',
      reason: 'An email subscription for alarm notices: a dead-letter queue would have no consumer, and failed deliveries show in the topic\'s NumberOfNotificationsFailed metric.',
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason: 'The topic carries CloudWatch alarm state changes only (no customer data); CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key per stack is not worth its cost for this content.',
    });
  }

  /** Alarms when the function fails at least once in 5 minutes (crash, timeout, out of memory). */
  watchFunction(id: string, fn: IFunction): void {
    this.add(`${id}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), 1, `${id}: the function failed (crash, timeout or out of memory)`);
  }

  /** Alarms on 5xx answers of the API (Lambda throttled or failing, integration errors). */
  watchServerErrors(api: IHttpApi): void {
    this.add('Api5xx', api.metricServerError({ period: PERIOD, statistic: 'Sum' }), 5, 'The HTTP API answered 5 or more server errors in 5 minutes');
  }

  private add(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
}
