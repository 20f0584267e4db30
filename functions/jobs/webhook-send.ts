/**
 * Event function `webhookSend` (functions/events.ts): sends what is due in the outbox. On AWS
 * the schedule invokes it once a minute and one run keeps passing over the outbox for most of
 * that minute (WEBHOOK_SEND_LOOP_MS), so a change reaches its endpoint within seconds; locally
 * the runtime's timer invokes it every second and a run makes one pass.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../shared/config.ts';
import { scheduledHandler } from '../shared/event-handler.ts';
import { METRIC, metrics } from '../shared/metrics.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { sendDue } from '../use-cases/deliver-webhooks.ts';

export const handler = scheduledHandler(async () => {
  const started = Date.now();
  let oldest = 0;
  do {
    const report = await sendDue(webhookPorts, Date.now());
    oldest = Math.max(oldest, report.oldestDueMs);
    if (report.attempts > 0) metrics.addMetric(METRIC.webhookAttempts, MetricUnit.Count, report.attempts);
    if (Date.now() - started >= config().webhookSendLoopMs) break;
    await new Promise((r) => setTimeout(r, 1000));
  } while (Date.now() - started < config().webhookSendLoopMs);
  // The alarm "oldest pending delivery" watches this: how late the most overdue subscription was.
  metrics.addMetric(METRIC.webhookOldestDueSeconds, MetricUnit.Seconds, Math.round(oldest / 1000));
});
