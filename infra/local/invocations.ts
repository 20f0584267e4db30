/**
 * Invocations side by side in one process, as Lambda runs them in a multi-concurrency
 * execution environment: each in its own InvokeStore context (what Lambda's runtime client does
 * when AWS_LAMBDA_MAX_CONCURRENCY is set). Powertools keeps its per-invocation state there
 * (the Logger's Lambda context, keys and level; the Metrics' dimensions), so a request's log
 * lines name its own function and request id even while another route's request runs.
 * Without it, the handlers' one shared logger carried whichever function ran last.
 */
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/** Invocations in flight at most (only its presence matters to Powertools and the store). */
const LOCAL_MAX_CONCURRENCY = '64';

export type RunInvocation = <T>(requestId: string, invoke: () => Promise<T>) => Promise<T>;

/** The runner: `run(requestId, fn)` calls fn in a context of its own. Call before the handlers log anything. */
export async function invocationScope(): Promise<RunInvocation> {
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= LOCAL_MAX_CONCURRENCY;
  const store = await InvokeStore.getInstanceAsync(true);
  return (requestId, invoke) => store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, invoke);
}
