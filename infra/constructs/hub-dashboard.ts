/**
 * One CloudWatch dashboard per customer stack (`MixTicketHub-{customer}`): what an operator
 * looks at first — requests, 4xx and 5xx, latency, polls, webhook deliveries and failures, dead
 * letters (webhook and event functions' queues) and silent pollers. docs/operations.md says how to
 * read it and what it costs.
 */
import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Dashboard, GraphWidget, type IMetric, MathExpression, Metric, SingleValueWidget, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE } from '../../functions/shared/metrics.ts';

export interface HubDashboardProps {
  customerName: string;
  serviceName: string;
  api: IHttpApi;
  /** The event functions' dead-letter queues. */
  deadLetterQueues: readonly IQueue[];
}

const PERIOD = Duration.minutes(5);

/** The dashboard's name for a customer. */
export const dashboardName = (customerName: string): string => `MixTicketHub-${customerName}`;

export class HubDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: HubDashboardProps) {
    super(scope, id);
    const business = (metricName: string, label: string, statistic = 'Sum') =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: props.serviceName, customer: props.customerName },
        period: PERIOD,
        statistic,
        label,
      });
    const queues: Record<string, IMetric> = Object.fromEntries(
      props.deadLetterQueues.map((q, i) => [`q${i}`, q.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' })]),
    );
    const eventDeadLetters =
      Object.keys(queues).length > 0
        ? [
            new MathExpression({
              expression: `SUM([${Object.keys(queues).join(', ')}])`,
              usingMetrics: queues,
              label: 'event dead letters',
              period: PERIOD,
            }),
          ]
        : [];
    const api = props.api;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: dashboardName(props.customerName),
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# MixTicket hub ${props.customerName}\nRequests, refusals and errors of the API; polls; push delivery; silent pollers. The operator console (\`/console\`) shows which facility and key.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Requests',
        left: [api.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' })],
        width: 8,
      }),
      new GraphWidget({
        title: '4xx and 5xx',
        left: [
          api.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }),
          api.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Latency (ms)',
        left: [
          api.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }),
          api.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Polls',
        left: [business(METRIC.polls, 'polls'), business(METRIC.documentsServed, 'documents served')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Webhook deliveries',
        left: [
          business(METRIC.webhookAttempts, 'attempts'),
          business(METRIC.webhookFailures, 'failed attempts'),
          business(METRIC.webhookDeadLetters, 'dead-lettered'),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Dead letters and silent pollers',
        left: [...eventDeadLetters, business(METRIC.silentPollers, 'silent pollers', 'Maximum')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Silent pollers now',
        metrics: [business(METRIC.silentPollers, 'silent pollers', 'Maximum')],
        width: 8,
      }),
    );
  }
}
