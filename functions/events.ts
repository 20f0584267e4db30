/**
 * THE event-function table: the route table's sibling for functions that no HTTP request
 * calls — consumers of the table's change stream and scheduled jobs. The CDK stack builds
 * each entry with the same construct as a route (own role, log group, alarms) plus what an
 * asynchronous function needs (a dead-letter queue, bounded retries); the local runtime
 * (infra/local/events.ts) runs the same entries against DynamoDB Local's stream and a timer.
 */
import type { RouteAccess } from './routes.ts';

/** What invokes an event function. */
export type EventTrigger =
  /**
   * Every change of the table, in order per item, in batches. A batch reports the records it
   * could not handle (and every record after the first of them) so only those are retried;
   * after `maxRetries` a failing batch goes to the function's dead-letter queue.
   */
  | { kind: 'tableStream'; batchSize: number; maxRetries: number }
  /**
   * A timer: every `everyMinutes` minutes (an EventBridge rule on AWS); locally every
   * `localEverySeconds` when given (a run there makes one pass where the AWS run loops), else
   * at the same rate. A local run still going when the timer fires again is not started twice.
   */
  | { kind: 'schedule'; everyMinutes: number; localEverySeconds?: number };

export interface EventFunctionDef {
  /** Stable id: names the function and its construct. */
  id: string;
  /** Module exporting `handler`, relative to functions/ (built with shared/event-handler.ts). */
  entry: string;
  trigger: EventTrigger;
  access: RouteAccess | null;
  summary: string;
  /** Lambda's time limit for one invocation. @default 10 */
  timeoutSeconds?: number;
}

/**
 * The hub's event functions: the derive engine's backstop on the stream (what a request left
 * underived), and push delivery (webhooks), a dispatcher on the stream and a sender on a timer.
 */
export const EVENT_FUNCTIONS: readonly EventFunctionDef[] = [
  {
    id: 'webhookDispatch',
    entry: 'jobs/webhook-dispatch.ts',
    trigger: { kind: 'tableStream', batchSize: 100, maxRetries: 10 },
    access: { table: 'readWrite' },
    summary: 'push delivery: marks the subscriptions a change concerns due in the outbox',
  },
  {
    id: 'recordDerive',
    entry: 'jobs/record-derive.ts',
    trigger: { kind: 'tableStream', batchSize: 100, maxRetries: 10 },
    access: { table: 'readWrite' },
    // A batch of 100 record heads, each derived on its own (a few reads and one transaction), with backoff on races.
    timeoutSeconds: 120,
    summary: "derived figures: brings a record's order status, consumption and stock to its latest revision, exactly once",
  },
  {
    id: 'facilityStats',
    entry: 'jobs/facility-stats.ts',
    trigger: { kind: 'tableStream', batchSize: 100, maxRetries: 10 },
    access: { table: 'readWrite' },
    summary: "operator view: each facility's open orders, last order change and last record, counted exactly once off the request path",
  },
  {
    id: 'pollerWatch',
    entry: 'jobs/poller-watch.ts',
    trigger: { kind: 'schedule', everyMinutes: 5, localEverySeconds: 60 },
    access: { table: 'read' },
    summary: 'operator view: publishes how many pollers are silent (the SilentPollers alarm)',
  },
  {
    id: 'webhookSend',
    entry: 'jobs/webhook-send.ts',
    trigger: { kind: 'schedule', everyMinutes: 1, localEverySeconds: 0.25 },
    access: { table: 'readWrite', secrets: 'decrypt' },
    // One run sends for 50 s (WEBHOOK_SEND_LOOP_MS), and its last attempts may take 10 s each.
    timeoutSeconds: 90,
    summary: 'push delivery: sends due deliveries, signed, with retries on the schedule',
  },
];
