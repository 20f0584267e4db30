/**
 * Headless Chromium for page tests: Debian's `chromium` package driven by playwright-core
 * (`npx playwright install` needs the internet; the system browser does not). A fresh profile
 * per launch, and every background service that would phone home switched off.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = (): boolean => existsSync(CHROMIUM);

/** A browser with its own new profile; `close()` removes the profile too. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'mixticket-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens `url` in a new page of the browser, watching it: every request the page makes (to prove
 * none leaves the hub's host), and its errors — uncaught ones and console errors, where a
 * Content-Security-Policy violation (an inline script or style the policy does not allow) shows.
 * Asserts the hub's self-contained page policy: nothing by default, nothing inline unhashed, no other host.
 */
export async function openHubPage(browser: { context: BrowserContext }, url: string) {
  const page = await browser.context.newPage();
  const requests: string[] = [];
  page.on('request', (req) => requests.push(req.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const res = await page.goto(url, { waitUntil: 'load' });
  assert.equal(res?.status(), 200);
  const policy = res?.headers()['content-security-policy'] ?? '';
  assert.match(policy, /default-src 'none'/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https?:|\*/);
  return { page, requests, errors, policy };
}
