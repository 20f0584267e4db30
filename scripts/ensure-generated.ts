/**
 * Keeps functions/generated/ in step with schemas/: `ensureGenerated()` rebuilds it (by running
 * scripts/build-schemas.ts) when it is missing or when a schema or the build script changed
 * since the last build. `npm ci` builds once (the `prepare` script); the CDK app, `npm start`
 * and the keys CLI call this first, so an edit in schemas/ never meets stale validators.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Written by the build last, so a build that failed half way is not taken as fresh. */
export const STAMP_FILE = join(root, 'functions', 'generated', '.schemas-hash');
/** The typed client's generated module, built by the same step (outside functions/generated/). */
const CLIENT_API = join(root, 'clients', 'typescript', 'src', 'generated', 'api.ts');

/** A hash of everything the generated code is made from. */
export function sourcesHash(): string {
  const hash = createHash('sha256');
  const inputs = [
    ...readdirSync(join(root, 'schemas'))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join('schemas', f)),
    join('scripts', 'build-schemas.ts'),
    // The OpenAPI document, the parameter validators and the docs page are made from these too.
    join('scripts', 'build-openapi.ts'),
    join('scripts', 'build-docs-page.ts'),
    join('scripts', 'build-console-page.ts'),
    join('scripts', 'console', 'console.js'),
    // The docs page's guides are sections of these (scripts/build-docs-page.ts GUIDES).
    'README.md',
    join('docs', 'api.md'),
    join('functions', 'routes.ts'),
    join('functions', 'route-params.ts'),
    join('functions', 'route-docs.ts'),
    join('functions', 'shared', 'problem.ts'),
    join('functions', 'domain', 'legacy-codes.ts'),
    join('clients', 'typescript', 'scripts', 'generate.ts'),
    ...fixtureFiles(),
  ];
  for (const file of inputs)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(root, file)))
      .update('\0');
  // The package's version is the document's info.version (the rest of package.json does not matter).
  hash.update(String((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version));
  return hash.digest('hex');
}

/** The fixtures the document's examples are taken from. */
function fixtureFiles(): string[] {
  const dir = join(root, 'test', 'fixtures');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join('test', 'fixtures', f));
}

/** True when functions/generated/ was built from the current sources. */
export function isFresh(): boolean {
  return existsSync(STAMP_FILE) && existsSync(CLIENT_API) && readFileSync(STAMP_FILE, 'utf8').trim() === sourcesHash();
}

/** Rebuilds functions/generated/ unless it is fresh; throws if the build fails. */
export function ensureGenerated(): void {
  if (isFresh()) return;
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build-schemas.ts')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`building functions/generated/ from schemas/ failed (exit ${result.status ?? result.signal})`);
}
