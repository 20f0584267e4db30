/**
 * Invocations side by side in one process, as Lambda runs them in a multi-concurrency
 * execution environment: each in its own InvokeStore context (what Lambda's runtime client does
 * when AWS_LAMBDA_MAX_CONCURRENCY is set). Powertools keeps its per-invocation state there
 * (the Logger's Lambda context, keys and level; the Metrics' dimensions), so a request's log
 * lines name its own function and request id even while another route's request runs.
 * Without it, the handlers' one shared logger carried whichever function ran last.
 */
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/**
 * What tells Lambda's InvokeStore and Powertools that invocations run side by side (only its
 * presence matters). It must be set before anything asks for the InvokeStore: the AWS SDK does on
 * its first call, and the store it creates then (one context for all, without it) stays.
 */
export const LOCAL_CONCURRENCY_ENV = { AWS_LAMBDA_MAX_CONCURRENCY: process.env.AWS_LAMBDA_MAX_CONCURRENCY ?? '64' } as const;

export type RunInvocation = <T>(requestId: string, invoke: () => Promise<T>) => Promise<T>;

/** The runner: `run(requestId, fn)` calls fn in a context of its own. Call before the handlers log anything. */
export async function invocationScope(): Promise<RunInvocation> {
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= LOCAL_CONCURRENCY_ENV.AWS_LAMBDA_MAX_CONCURRENCY;
  const store = await InvokeStore.getInstanceAsync(true);
  return (requestId, invoke) => store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, invoke);
}
