/**
 * The dependency rule of functions/ (docs/architecture.md, "Layers"), checked on every module:
 *
 *   entry (http/, jobs/)  >  middleware (shared/ but its leaves)  >  tables (routes.ts, events.ts)
 *     >  use-cases/ and store/ (side by side)  >  shared leaves  >  domain/  >  generated/
 *
 * A module imports from its own layer and the ones below; a use case imports only types from
 * store/ and no value from the AWS SDK; a store never imports a use case; the domain imports
 * only the domain and generated types, and no AWS or middy package.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, test } from 'vitest';
import { checkDependencies, importsOf, type Violation } from './helpers/dependency-rule.ts';

const ROOT = posix.join(import.meta.dirname.replaceAll('\\', '/'), '../..');

/** Every TypeScript module of functions/ (not the generated ones), path from the repository's root → source. */
function sources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(posix.join(ROOT, 'functions'), { recursive: true, encoding: 'utf8' })) {
    const file = `functions/${entry.replaceAll('\\', '/')}`;
    if (!file.endsWith('.ts') || file.startsWith('functions/generated/')) continue;
    files.set(file, readFileSync(posix.join(ROOT, file), 'utf8'));
  }
  return files;
}

const show = (vs: readonly Violation[]) => vs.map((v) => `${v.file} → ${v.imports}: ${v.reason}`).join('\n');

describe('the dependency rule', () => {
  const files = sources();
  const violations = checkDependencies(files);

  test('holds for every module of functions/', () => {
    assert.ok(files.size > 100, `read ${files.size} modules`);
    assert.equal(violations.length, 0, `the dependency rule is broken:\n${show(violations)}`);
  });
});

describe('the import reader', () => {
  test('tells type-only imports from value imports, across lines, re-exports and import()', () => {
    const source = `
      import type { A } from './a.ts';
      import { type B, type C } from './b.ts';
      import { type D, e } from './d.ts';
      import {
        f,
        g,
      } from './f.ts';
      import H from './h.ts';
      import * as I from './i.ts';
      import type * as J from './j.ts';
      import './k.ts';
      export { l } from './l.ts';
      export type { M } from './m.ts';
      export * from './n.ts';
      const o = await import('./o.ts');
      type P = typeof import('./p.ts').p;
      // import { q } from './q.ts';
      /* import { r } from './r.ts'; */
      const s = 'import from "./s.ts" is text';
    `;
    const refs = Object.fromEntries(importsOf(source).map((r) => [r.specifier, r.typeOnly]));
    assert.deepEqual(refs, {
      './a.ts': true,
      './b.ts': true,
      './d.ts': false,
      './f.ts': false,
      './h.ts': false,
      './i.ts': false,
      './j.ts': true,
      './k.ts': false,
      './l.ts': false,
      './m.ts': true,
      './n.ts': false,
      './o.ts': false,
      './p.ts': true,
    });
  });
});

describe('the checker catches planted violations', () => {
  const check = (file: string, source: string) => checkDependencies(new Map([[file, source]]));

  test('a use case importing a value from store/ or the AWS SDK; types are fine', () => {
    const file = 'functions/use-cases/x.ts';
    for (const source of [
      "import { orderPut } from '../store/order-store.ts';",
      "import { TABLE } from '../store/table.ts';",
      "const s = await import('../store/keys.ts');",
      "import { QueryCommand } from '@aws-sdk/lib-dynamodb';",
      "import { type Stream, orderSk } from '../store/keys.ts';",
    ]) {
      assert.equal(check(file, source).length, 1, source);
    }
    for (const source of [
      "import type { Stream } from '../store/keys.ts';",
      "import { type Stream } from '../store/keys.ts';",
      "import { planOrderBatch } from '../domain/work-orders.ts';",
      "import { retryOnConcurrentChange } from '../shared/retry.ts';",
    ]) {
      assert.deepEqual(check(file, source), [], source);
    }
  });

  test('the domain importing a store, a use case, a handler, the middleware or a leaf of shared/, or AWS/middy', () => {
    for (const target of [
      '../store/keys.ts',
      '../use-cases/x.ts',
      '../http/x.ts',
      '../jobs/x.ts',
      '../shared/config.ts',
      '../shared/middleware.ts',
      '../routes.ts',
    ]) {
      assert.equal(check('functions/domain/x.ts', `import type { X } from '${target}';`).length, 1, target);
    }
    for (const pkg of ['@aws-sdk/lib-dynamodb', '@middy/core', '@aws-lambda-powertools/logger', 'aws-lambda']) {
      assert.equal(check('functions/domain/x.ts', `import { x } from '${pkg}';`).length, 1, pkg);
    }
    assert.deepEqual(
      check(
        'functions/domain/x.ts',
        "import type { A } from '../generated/documents.ts';\nimport s from '../../schemas/common.schema.json' with { type: 'json' };\nimport stringify from 'safe-stable-stringify';",
      ),
      [],
    );
  });

  test('a store importing a use case or a handler; a store may use the domain and the leaves', () => {
    assert.equal(check('functions/store/x.ts', "import type { OrderStore } from '../use-cases/push-work-orders.ts';").length, 1);
    assert.equal(check('functions/store/x.ts', "import { json } from '../shared/middleware.ts';").length, 1);
    assert.equal(check('functions/store/x.ts', "import { route } from '../routes.ts';").length, 1);
    assert.deepEqual(
      check('functions/store/x.ts', "import { config } from '../shared/config.ts';\nimport { isoMs } from '../domain/time.ts';"),
      [],
    );
  });

  test('any lower layer importing a higher one', () => {
    for (const [file, source] of [
      ['functions/shared/middleware.ts', "import { handler } from '../http/health.ts';"],
      ['functions/routes.ts', "import { httpHandler } from './shared/middleware.ts';"],
      ['functions/use-cases/x.ts', "import { route } from '../routes.ts';"],
      ['functions/shared/config.ts', "import { json } from './middleware.ts';"],
      ['functions/shared/logger.ts', "import { x } from '../use-cases/x.ts';"],
    ] as const) {
      assert.equal(check(file, source).length, 1, source);
    }
    assert.deepEqual(
      check('functions/http/x.ts', "import { loadOrders } from '../store/order-store.ts';\nimport { push } from '../use-cases/x.ts';"),
      [],
    );
    assert.deepEqual(check('functions/shared/middleware.ts', "import { route } from '../routes.ts';"), []);
  });
});
