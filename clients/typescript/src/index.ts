/** The MixTicket hub's typed client: `createClient` for every operation, `createPoller` for polling without loss. */
export { type Answer, type CallOptions, type ClientOptions, createClient, type HubClient, type OperationId } from './client.ts';
export { documentPath, readJsonFile, safeName, writeFileAtomic } from './files.ts';
export * from './generated/api.ts';
export {
  createPoller,
  fileState,
  nextLink,
  PollError,
  type PollerOptions,
  type PollResult,
  type PollState,
  type RetryOptions,
  type StateStore,
  sleep,
} from './poller.ts';
