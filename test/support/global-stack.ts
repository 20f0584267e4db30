/**
 * vitest globalSetup of the integration tier: one real local stack (what `npm start` runs)
 * for every file that does not need a stack of its own. Files reach it with `sharedStack()`.
 */
import type { TestProject } from 'vitest/node';
import { startStack } from './local-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: { baseUrl: string; dataDir: string; env: Record<string, string> };
  }
}

/** Settings of the shared stack; each file's facilities are its own. */
export const SHARED_STACK_ENV = { POLL_PAGE_SIZE: '20' };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startStack({ env: SHARED_STACK_ENV });
  const env = Object.fromEntries(Object.entries(stack.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  project.provide('stack', { baseUrl: stack.baseUrl, dataDir: stack.dataDir, env });
  return () => stack.destroy();
}
