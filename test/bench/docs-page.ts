/**
 * The /docs page in headless Chromium: its size, and the time from navigation until the
 * reference is on the page (every route's summary twice, in the navigation and in its entry,
 * in a document that has finished parsing), by the page's own clock (`performance.now()`, whose origin is the navigation's
 * start), so the harness's round trips are not counted. Served with the handler's own headers
 * (its Content-Security-Policy included) from a local server. Prints, asserts nothing.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DOCS_HEADERS } from '../../functions/http/docs.ts';
import { summaryOf } from '../../functions/route-docs.ts';
import { ROUTES } from '../../functions/routes.ts';
import { hasChromium, launchChromium } from '../support/chromium.ts';
import { ROOT } from '../support/local-stack.ts';
import { percentile } from './stats.ts';

/** Milliseconds from navigation to the reference on the page, one per run and page (a fresh tab each), runs alternating. */
export async function docsPageRenderTimes(pages: readonly Page[], runs: number): Promise<number[][]> {
  const server = createServer((req, res) => {
    const page = pages[Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 0)];
    res.writeHead(page ? 200 : 404, page?.headers ?? {});
    res.end(page?.html ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/docs`;
  const summaries = ROUTES.map((r) => summaryOf(r.id));
  const browser = await launchChromium();
  const times: number[][] = pages.map(() => []);
  try {
    for (let i = 0; i < runs; i++) {
      for (let p = 0; p < pages.length; p++) {
        const page = await browser.context.newPage();
        await page.goto(`${base}?page=${p}`, { waitUntil: 'commit' });
        const at = await page.waitForFunction(
          (s) => {
            // Runs in the page (this project's TypeScript has no DOM types).
            const { document } = globalThis as unknown as { document: { readyState: string; body: { textContent: string | null } } };
            if (document.readyState === 'loading') return false;
            // In the navigation and in the reference's own entry: twice at least.
            const text = document.body.textContent ?? '';
            return s.every((t) => text.indexOf(t) !== text.lastIndexOf(t)) && performance.now();
          },
          summaries,
          { polling: 20, timeout: 120_000 },
        );
        times[p]!.push((await at.jsonValue()) as number);
        await page.close();
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  return times;
}

const line = (name: string, html: string, times: number[]) =>
  `${name}: ${Buffer.byteLength(html).toLocaleString('en')} bytes; navigation to every route on the page: median ${percentile(times, 50).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`;

/** A page and the headers to serve it with. */
export interface Page {
  html: string;
  headers: Readonly<Record<string, string>>;
}

/** `npm run bench -- docs`; `others` are further pages to compare with it, alternating (name → page). */
export async function benchDocsPage(runs = 5, others: Record<string, Page> = {}): Promise<void> {
  if (!hasChromium()) {
    console.log('docs page: skipped (no /usr/bin/chromium)');
    return;
  }
  const { html } = JSON.parse(readFileSync(join(ROOT, 'functions', 'generated', 'docs-page.json'), 'utf8')) as { html: string };
  const pages = [{ html, headers: DOCS_HEADERS }, ...Object.values(others)];
  const times = await docsPageRenderTimes(pages, runs);
  console.log(line('docs page', html, times[0]!));
  Object.keys(others).forEach((name, i) => console.log(line(name, pages[i + 1]!.html, times[i + 1]!)));
}
