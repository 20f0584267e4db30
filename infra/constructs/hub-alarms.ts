/**
 * The alarms a customer's operator is mailed about: crashed, timed-out or throttled functions
 * (handled errors become problem+json responses and do not count), server errors of the API and
 * throttled reads or writes of the table. Every alarm is named after the customer, so that a
 * mail or the console of an account holding several customers says whose hub it is.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmRule,
  ComparisonOperator,
  CompositeAlarm,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

const PERIOD = Duration.minutes(5);
/** CloudWatch takes at most 10 metrics in the math of one alarm. */
const MAX_METRICS_PER_ALARM = 10;

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
  /** The one alarm mailed about function failures, throttles and dead letters, whatever the number of functions. */
  fleet: CompositeAlarm | undefined;
  private readonly customerName: string;
  private readonly watched = { Errors: [] as IMetric[], Throttles: [] as IMetric[], DeadLetters: [] as IMetric[] };
  /** Alarms of their own (a threshold that is no count), mailed through the same composite. */
  private readonly lagging: Alarm[] = [];

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
   * Watches a function: it failed (crash, timeout, out of memory) or was throttled (account or
   * reserved concurrency exhausted: API Gateway answers those requests with a 5xx) at least once
   * in 5 minutes. Not an alarm per function: every function's errors are summed by metric math
   * (10 metrics per alarm at most, so one alarm per 10 functions) under one composite alarm
   * that mails (`watchFleet`), so a stack of 30 functions has a fixed handful of alarms, and an
   * outage that fails every function sends one mail, not thirty.
   */
  watchFunction(_id: string, fn: IFunction): void {
    this.watched.Errors.push(fn.metricErrors({ period: PERIOD, statistic: 'Sum' }));
    this.watched.Throttles.push(fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }));
  }

  /** Watches a dead-letter queue (an event function gave up on something), summed like the functions. */
  watchDeadLetters(_id: string, queue: IQueue): void {
    this.watched.DeadLetters.push(queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }));
  }

  /** Watches a stream consumer's iterator age: the oldest change it has not handled is older than `maxMs`. */
  watchIteratorAge(id: string, fn: IFunction, maxMs: number): void {
    const metric = fn.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' });
    this.lagging.push(
      this.alarm(`${id}IteratorAge`, metric, maxMs, `${id} is more than ${maxMs / 60_000} minutes behind the table stream`),
    );
  }

  /** Watches a business metric that says how late something is (seconds), under the fleet composite. */
  watchOverdue(
    id: string,
    metric: { namespace: string; metricName: string; dimensionsMap: Record<string, string> },
    maxSeconds: number,
    description: string,
  ): void {
    this.lagging.push(this.alarm(id, new Metric({ ...metric, period: PERIOD, statistic: 'Maximum' }), maxSeconds, description));
  }

  /**
   * Builds the alarms of everything watched so far: per kind, one metric-math alarm per 10
   * metrics (no action of its own), and the composite `Functions` alarm over them, which mails on
   * alarm and on recovery. Call once, after every function is watched.
   */
  watchFleet(): void {
    const what = {
      Errors: 'a function failed (crash, timeout or out of memory)',
      Throttles: 'Lambda throttled invocations (concurrency exhausted); callers got server errors',
      DeadLetters: 'events failed after every retry and wait in a dead-letter queue',
    } as const;
    const children: Alarm[] = [];
    for (const kind of ['Errors', 'Throttles', 'DeadLetters'] as const) {
      const metrics = this.watched[kind];
      for (let i = 0; i < metrics.length; i += MAX_METRICS_PER_ALARM) {
        const group = metrics.slice(i, i + MAX_METRICS_PER_ALARM);
        const usingMetrics = Object.fromEntries(group.map((m, j) => [`m${j}`, m]));
        const n = i / MAX_METRICS_PER_ALARM + 1;
        const total = new MathExpression({
          expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
          usingMetrics,
          period: PERIOD,
          label: `${kind} of watched functions, group ${n}`,
        });
        children.push(this.alarm(`Function${kind}${n}`, total, 1, `${what[kind]} (group ${n} of the functions)`));
      }
    }
    children.push(...this.lagging);
    if (children.length === 0) return;
    this.fleet = new CompositeAlarm(this, 'Functions', {
      compositeAlarmName: alarmName(this.customerName, 'Functions'),
      alarmRule: AlarmRule.anyOf(...children),
      alarmDescription: `MixTicket hub ${this.customerName}: a function failed or was throttled, events wait in a dead-letter queue, or push delivery lags (see which of ${children.map((c) => alarmName(this.customerName, c.node.id)).join(', ')})`,
    });
    const action = new SnsAction(this.topic);
    this.fleet.addAlarmAction(action);
    this.fleet.addOkAction(action);
  }

  /**
   * Alarms when any poller of the stack is silent (its last poll older than POLLER_SILENT_AFTER,
   * the count the scheduled function pollerWatch publishes): a PCS that stopped polling. Mails on
   * alarm and on recovery, apart from the fleet's composite: it is about a plant, not the hub.
   */
  watchSilentPollers(metric: { namespace: string; metricName: string; dimensionsMap: Record<string, string> }, silentAfter: string): void {
    this.add(
      'SilentPollers',
      new Metric({ ...metric, period: PERIOD, statistic: 'Maximum' }),
      1,
      `a poller (a PCS or an ERP polling) has not polled for ${silentAfter} (POLLER_SILENT_AFTER); the console's pollers view names it`,
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
    const all: [string, IMetric][] = [
      ['tableReads', metric('ReadThrottleEvents')],
      ['tableWrites', metric('WriteThrottleEvents')],
    ];
    indexNames.forEach((indexName, i) => {
      all.push([`index${i}Reads`, metric('ReadThrottleEvents', { GlobalSecondaryIndexName: indexName })]);
      all.push([`index${i}Writes`, metric('WriteThrottleEvents', { GlobalSecondaryIndexName: indexName })]);
    });
    // At most 10 metrics per alarm's math: the table and its first four indexes in `TableThrottles`
    // (its id kept), the further indexes in `TableThrottles2`, ...
    for (let i = 0; i < all.length; i += MAX_METRICS_PER_ALARM) {
      const usingMetrics = Object.fromEntries(all.slice(i, i + MAX_METRICS_PER_ALARM));
      const total = new MathExpression({
        // SUM over the list adds whichever series have data (an idle series has none).
        expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
        usingMetrics,
        period: PERIOD,
        label: 'DynamoDB throttle events (table and indexes)',
      });
      const n = i / MAX_METRICS_PER_ALARM;
      this.add(`TableThrottles${n === 0 ? '' : n + 1}`, total, 1, 'DynamoDB throttled reads or writes of the table or its indexes');
    }
  }

  /** An alarm that mails on alarm and on recovery. */
  private add(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = this.alarm(id, metric, threshold, description);
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }

  /** An alarm without actions of its own (a composite alarm mails for it, or `add` adds them). */
  private alarm(id: string, metric: IMetric, threshold: number, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: alarmName(this.customerName, id),
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `MixTicket hub ${this.customerName}: ${description}`,
    });
    this.alarms.set(id, alarm);
    return alarm;
  }
}
