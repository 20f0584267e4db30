/**
 * The alarms a customer's operator is mailed about: crashed, timed-out or throttled functions
 * (handled errors become problem+json responses and do not count), server errors of the API and
 * throttled reads or writes of the table. Every alarm is named after the customer, so that a
 * mail or the console of an account holding several customers says whose hub it is.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

const PERIOD = Duration.minutes(5);

export interface HubAlarmsProps {
  customerName: string;
  email: string;
}

/** The alarm name of alarm `id` of a customer: `MixTicketHub-{customer}-{id}`. */
export function alarmName(customerName: string, id: string): string {
  return `MixTicketHub-${customerName}-${id}`;
}

export class HubAlarms extends Construct {
  readonly topic: Topic;
  /** Every alarm, by construct id. */
  readonly alarms = new Map<string, Alarm>();
  private readonly customerName: string;

  constructor(scope: Construct, id: string, props: HubAlarmsProps) {
    super(scope, id);
    this.customerName = props.customerName;
    this.topic = new Topic(this, 'Topic', {
      displayName: `MixTicket hub ${props.customerName} alarms`,
      enforceSSL: true,
    });
    const subscription = this.topic.addSubscription(new EmailSubscription(props.email));
    Validations.of(subscription).acknowledge({
      id: 'Serverless-SNSRedrivePolicy',
      reason:
        "An email subscription for alarm notices: a dead-letter queue would have no consumer, and failed deliveries show in the topic's NumberOfNotificationsFailed metric.",
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'The topic carries CloudWatch alarm state changes only (no customer data); CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key per stack is not worth its cost for this content.',
    });
  }

  /**
   * Alarms when the function fails (crash, timeout, out of memory) or is throttled (account or
   * reserved concurrency exhausted: API Gateway answers those requests with a 5xx) at least once
   * in 5 minutes.
   */
  watchFunction(id: string, fn: IFunction): void {
    this.add(
      `${id}Errors`,
      fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      1,
      `${id}: the function failed (crash, timeout or out of memory)`,
    );
    this.add(
      `${id}Throttles`,
      fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
      1,
      `${id}: Lambda throttled invocations (concurrency exhausted); callers got server errors`,
    );
  }

  /** Alarms when anything lands in a dead-letter queue: an event function gave up on something. */
  watchDeadLetters(id: string, queue: IQueue): void {
    this.add(
      `${id}DeadLetters`,
      queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
      1,
      `${id}: events failed after every retry and wait in the dead-letter queue ${queue.queueName}`,
    );
  }

  /** Alarms on 5xx answers of the API (Lambda throttled or failing, integration errors). */
  watchServerErrors(api: IHttpApi): void {
    this.add(
      'Api5xx',
      api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      5,
      'The HTTP API answered 5 or more server errors in 5 minutes',
    );
  }

  /**
   * Alarms when DynamoDB throttles reads or writes of the table or of its indexes (on-demand
   * tables throttle on hot partitions and at the account's table limits; the SDK retries, but
   * what it cannot absorb becomes 5xx answers).
   */
  watchTable(table: ITable, indexNames: readonly string[]): void {
    const metric = (metricName: string, extra: Record<string, string> = {}) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: table.tableName, ...extra },
        period: PERIOD,
        statistic: 'Sum',
      });
    const usingMetrics: Record<string, IMetric> = { tableReads: metric('ReadThrottleEvents'), tableWrites: metric('WriteThrottleEvents') };
    indexNames.forEach((indexName, i) => {
      usingMetrics[`index${i}Reads`] = metric('ReadThrottleEvents', { GlobalSecondaryIndexName: indexName });
      usingMetrics[`index${i}Writes`] = metric('WriteThrottleEvents', { GlobalSecondaryIndexName: indexName });
    });
    const total = new MathExpression({
      // SUM over the list adds whichever series have data (an idle series has none).
      expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
      usingMetrics,
      period: PERIOD,
      label: 'DynamoDB throttle events (table and indexes)',
    });
    this.add('TableThrottles', total, 1, 'DynamoDB throttled reads or writes of the table or its indexes');
  }

  private add(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      alarmName: alarmName(this.customerName, id),
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `MixTicket hub ${this.customerName}: ${description}`,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.set(id, alarm);
  }
}
