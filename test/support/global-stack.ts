/**
 * vitest globalSetup of the integration tier: one real local stack (what `npm start` runs)
 * for every file that does not need a stack of its own. Files reach it with `sharedStack()`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CONTRACT_LOG_ENV } from './contract.ts';
import { startStack } from './local-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: { baseUrl: string; dataDir: string; env: Record<string, string> };
  }
}

/** Settings of the shared stack; each file's facilities are its own. */
export const SHARED_STACK_ENV = { POLL_PAGE_SIZE: '20', WEBHOOK_RETRY_SCHEDULE: '1s,1s,2s' };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Every test file's answers are checked against openapi.json (support/contract.ts); the
  // workers inherit this variable and append what did not conform.
  const contractDir = mkdtempSync(join(tmpdir(), 'mixticket-contract-'));
  const contractLog = join(contractDir, 'violations.log');
  process.env[CONTRACT_LOG_ENV] = contractLog;
  const stack = await startStack({ env: SHARED_STACK_ENV });
  const env = Object.fromEntries(Object.entries(stack.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  project.provide('stack', { baseUrl: stack.baseUrl, dataDir: stack.dataDir, env });
  return async () => {
    await stack.destroy();
    const violations = existsSync(contractLog) ? readFileSync(contractLog, 'utf8').trim() : '';
    rmSync(contractDir, { recursive: true, force: true });
    if (violations) {
      // vitest reports a teardown that throws but still exits 0: make the run red.
      process.exitCode = 1;
      throw new Error(`answers that do not conform to openapi.json:\n${violations}`);
    }
  };
}
