/**
 * Business metrics (Powertools metrics, CloudWatch embedded metric format): one instance per
 * function instance, flushed after every request by the logMetrics middleware of httpHandler
 * (shared/middleware.ts). EMF travels in the function's log stream, so it needs no IAM grant.
 *
 * Dimensions: `service` (POWERTOOLS_SERVICE_NAME) and `customer` (MIXTICKET_CUSTOMER, set by the
 * stack), so that one account can hold several customers' stacks and still tell them apart.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ENV } from './config.ts';
import { logger } from './logger.ts';

/** The CloudWatch namespace of the hub's business metrics. */
export const METRICS_NAMESPACE = 'MixTicketHub';
/** The environment variable the stack sets to the customer's name (the `customer` dimension). */
export const CUSTOMER_DIMENSION_ENV = ENV.customer;

/** The business metrics, by the name handlers use; the values are the CloudWatch metric names. */
export const METRIC = {
  /** Work orders applied by a push (one per document). */
  ordersPushed: 'ordersPushed',
  /** Polls answered (orders or records). */
  polls: 'polls',
  /** Documents served by polls (0 for an empty poll). */
  documentsServed: 'documentsServed',
  /** Work records received from a PCS (one per document). */
  recordsReceived: 'recordsReceived',
  /** Acknowledgements received from a PCS (one per document). */
  acknowledgementsReceived: 'acknowledgementsReceived',
  /** Push delivery attempts made by the webhook sender. */
  webhookAttempts: 'webhookAttempts',
  /** Push delivery attempts that did not succeed (retried, dead-lettered or disabling). */
  webhookFailures: 'webhookFailures',
  /** Push deliveries dead-lettered after their last retry. */
  webhookDeadLetters: 'webhookDeadLetters',
  /** Pollers of the stack whose last poll is older than POLLER_SILENT_AFTER (the silent-poller alarm's metric). */
  silentPollers: 'silentPollers',
  /** How overdue the most overdue subscription was when the sender looked (seconds; the alarm's metric). */
  webhookOldestDueSeconds: 'webhookOldestDueSeconds',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

// Locally (`npm start`, MIXTICKET_LOCAL=1) an EMF blob on stdout per request is noise: disabled,
// unless POWERTOOLS_METRICS_DISABLED says otherwise. Powertools 2.36 has no constructor option
// for this; it reads the variable once, in the constructor below.
if (process.env[ENV.local] === '1' && process.env.POWERTOOLS_METRICS_DISABLED === undefined) {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
}

const NO_METRICS_WARNING = 'No application metrics to publish';

/** The metrics object's own messages go to the JSON logger; "nothing to publish" is routine here. */
const metricsLogger = {
  debug: (...content: unknown[]) => logger.debug(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
  info: (...content: unknown[]) => logger.info(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
  // Most requests (health, reads, rejections) record no business metric: not worth a WARN line each.
  warn: (...content: unknown[]) =>
    String(content[0]).startsWith(NO_METRICS_WARNING)
      ? logger.debug(String(content[0]))
      : logger.warn(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
  error: (...content: unknown[]) => logger.error(String(content[0]), ...content.slice(1).map((c) => ({ detail: c }))),
};

/** THE metrics instance of this function (flushed by the middleware, never by handlers). */
export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'mixticket-hub',
  defaultDimensions: { customer: process.env[CUSTOMER_DIMENSION_ENV] || 'local' },
  logger: metricsLogger,
});

/**
 * Counts `value` (default 1) of a business metric for the current request. A bad value is
 * logged and dropped: a metric must never fail the request it describes.
 */
export function countMetric(name: MetricName, value = 1): void {
  if (!Number.isFinite(value) || value < 0) {
    logger.warn('metric value dropped', { metric: name, value: String(value) });
    return;
  }
  metrics.addMetric(name, MetricUnit.Count, value);
}
