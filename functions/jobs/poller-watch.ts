/**
 * Event function `pollerWatch` (functions/events.ts): every few minutes, publishes how many
 * pollers of the stack are silent (last poll older than POLLER_SILENT_AFTER) as the business
 * metric `silentPollers`, 0 included; the stack's SilentPollers alarm mails when it is above 0.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../shared/config.ts';
import { scheduledHandler } from '../shared/event-handler.ts';
import { METRIC, metrics } from '../shared/metrics.ts';
import { allFacilities } from '../store/facility-list.ts';
import { operatorStore } from '../store/operator-store.ts';
import { countSilentPollers } from '../use-cases/operator-view.ts';

export const handler = scheduledHandler(async (now) => {
  const silent = await countSilentPollers({ store: operatorStore, allFacilities }, config().pollerSilentAfterMs, now);
  metrics.addMetric(METRIC.silentPollers, MetricUnit.Count, silent);
});
