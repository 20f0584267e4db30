/** The MixTicket hub's typed client: `createClient` for every operation, `createPoller` for polling without loss. */
export { type Answer, type CallOptions, type ClientOptions, createClient, type HubClient, type OperationId } from './client.ts';
export { documentPath, readJsonFile, safeName, writeFileAtomic } from './files.ts';
export * from './generated/api.ts';
export { nodeFetch } from './node-transport.ts';
export {
  createPoller,
  fileState,
  nextLink,
  PollError,
  type PollerOptions,
  type PollResult,
  type PollState,
  problemText,
  type RetryOptions,
  type StateStore,
  sleep,
} from './poller.ts';
export { describeTransportError, GaveUp, isRetryableTransportError, isTransportError, RetryLater, withRetries } from './retry.ts';
