/**
 * Size of each function's deployment bundle: every route of the route table and the
 * authorizer, bundled with the same esbuild settings the CDK stack uses.
 */

import { join } from 'node:path';
import { build } from 'esbuild';
import { AUTHORIZER_ENTRY, ROUTES } from '../../functions/routes.ts';
import { BUNDLE_OPTIONS, FUNCTIONS_DIR } from '../../infra/constructs/bundling.ts';

export async function benchBundleSizes(): Promise<{ entry: string; bytes: number }[]> {
  const entries = [...ROUTES.map((r) => r.entry), AUTHORIZER_ENTRY];
  const out: { entry: string; bytes: number }[] = [];
  for (const entry of entries) {
    const result = await build({
      ...BUNDLE_OPTIONS,
      entryPoints: [join(FUNCTIONS_DIR, entry)],
      bundle: true,
      write: false,
      platform: 'node',
      outfile: 'index.mjs',
      logLevel: 'silent',
    });
    const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
    out.push({ entry, bytes: js?.contents.byteLength ?? 0 });
  }
  console.log('\nFunction bundle sizes (ESM, minified, AWS SDK included, before zip)');
  for (const { entry, bytes } of out) console.log(`  ${entry.padEnd(32)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB`);
  return out;
}
