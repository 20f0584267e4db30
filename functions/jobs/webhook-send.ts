/**
 * Event function `webhookSend` (functions/events.ts): sends what is due in the outbox. On AWS
 * the schedule invokes it once a minute and one run keeps passing over the outbox for most of
 * that minute (WEBHOOK_SEND_LOOP_MS); locally the runtime's timer invokes it every 250 ms. A pass
 * takes what comes due while it works (sendDue's `lookUntil`); a pass that found work is followed
 * by the next at once; otherwise the run waits for the next marker to come due, 250 ms at most
 * (WEBHOOK_SETTINGS.passEveryMs). Past its loop, a run goes on while work is in sight, for
 * WEBHOOK_SETTINGS.busyRunMs at most: locally a burst is worked through without waiting for the
 * timer between passes. A change thus reaches its endpoint about when it comes due (the settle
 * delay and a margin after it was seen).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config, WEBHOOK_SETTINGS } from '../shared/config.ts';
import { scheduledHandler } from '../shared/event-handler.ts';
import { METRIC, metrics } from '../shared/metrics.ts';
import { webhookPorts } from '../store/webhook-ports.ts';
import { sendDue } from '../use-cases/deliver-webhooks.ts';

export const handler = scheduledHandler(async () => {
  const started = Date.now();
  let oldest = 0;
  // A pass keeps taking what comes due while it works, as long as the run may go on.
  const lookUntil = started + Math.max(config().webhookSendLoopMs, WEBHOOK_SETTINGS.busyRunMs);
  for (;;) {
    const report = await sendDue(webhookPorts, Date.now(), { lookUntil });
    oldest = Math.max(oldest, report.oldestDueMs);
    if (report.attempts > 0) metrics.addMetric(METRIC.webhookAttempts, MetricUnit.Count, report.attempts);
    const now = Date.now();
    const untilDue = report.nextDueAt === null ? WEBHOOK_SETTINGS.passEveryMs : Math.max(0, report.nextDueAt - now);
    const wait = report.claimed > 0 ? 0 : Math.min(WEBHOOK_SETTINGS.passEveryMs, untilDue);
    const next = now + wait - started;
    const inSight = wait < WEBHOOK_SETTINGS.passEveryMs;
    if (next >= config().webhookSendLoopMs && !(inSight && next < WEBHOOK_SETTINGS.busyRunMs)) break;
    await sleep(wait);
  }
  // The alarm "oldest pending delivery" watches this: how late the most overdue subscription was.
  metrics.addMetric(METRIC.webhookOldestDueSeconds, MetricUnit.Seconds, Math.round(oldest / 1000));
});
