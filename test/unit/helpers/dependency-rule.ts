/**
 * The dependency rule of functions/ (docs/architecture.md, "Layers"), as a checker over source
 * texts: it reads each module's import and export-from statements (static, multi-line,
 * `import type`, `import { type X }`, dynamic `import()`) and reports every import the rule
 * forbids. test/unit/architecture.test.ts runs it on the tree and on planted violations.
 */
import { posix } from 'node:path';

export interface ImportRef {
  /** As written: './x.ts', '../store/keys.ts', '@aws-sdk/lib-dynamodb'. */
  specifier: string;
  /** True when nothing but types is imported (erased at build: no run-time dependency). */
  typeOnly: boolean;
}

/** The source with comments and strings blanked, but for module specifiers. */
function withoutComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      // A module specifier follows `from`, `import` or `import(`; other strings are blanked.
      const specifier = /(?<![\w$.])(from|import|import\s*\()\s*$/.test(out.slice(-40));
      out += specifier ? source.slice(i, j + 1) : c + source.slice(i + 1, j).replace(/[^\n]/g, ' ') + c;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** True when an import clause (`type X`, `{ type A, type B }`, `X`, `* as X`, `{ a, type B }`) names types only. */
function clauseIsTypeOnly(clause: string): boolean {
  const c = clause.trim();
  if (/^type\s/.test(c)) return true;
  const braces = /^\{([^}]*)\}$/.exec(c);
  if (!braces) return false;
  const names = braces[1]!
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

/** Every import and export-from of a module's source. */
export function importsOf(source: string): ImportRef[] {
  const code = withoutComments(source);
  const refs: ImportRef[] = [];
  // import X from '…', import { … } from '…', import type …, export { … } from '…', export * from '…'
  for (const m of code.matchAll(/(?<![\w$.])(import|export)(?=[\s{*])\s*([^;'"`]*?)\s*\bfrom\s*(['"])([^'"]+)\3/g)) {
    refs.push({ specifier: m[4]!, typeOnly: clauseIsTypeOnly(m[2]!) });
  }
  // import '…' (for its effects)
  for (const m of code.matchAll(/(?<![\w$.])import\s*(['"])([^'"]+)\1/g)) refs.push({ specifier: m[2]!, typeOnly: false });
  // import('…'): a value when awaited or called, a type in `typeof import('…')`
  for (const m of code.matchAll(/(?<![\w$.])(typeof\s+)?import\s*\(\s*(['"])([^'"]+)\2\s*\)/g)) {
    refs.push({ specifier: m[3]!, typeOnly: m[1] !== undefined });
  }
  return refs;
}

/**
 * The layers, lowest first. A module may import from its own layer and the ones below, with
 * the exceptions of `violation` below. `leaf`: the modules of functions/shared/ that depend on
 * nothing above the domain (settings, logging, metrics, small helpers), which any layer may use.
 */
export type Layer = 'generated' | 'domain' | 'leaf' | 'use-cases' | 'store' | 'tables' | 'middleware' | 'entry';

const RANK: Record<Layer, number> = {
  generated: 0,
  domain: 1,
  leaf: 2,
  'use-cases': 3,
  store: 3,
  tables: 4,
  middleware: 5,
  entry: 6,
};

/** The modules of functions/shared/ that are leaves (the rest is the middleware). */
export const SHARED_LEAVES = new Set([
  'caller.ts',
  'concurrency.ts',
  'config.ts',
  'json-depth.ts',
  'logger.ts',
  'metrics.ts',
  'retry.ts',
  'webhook-post.ts',
  'well-formed.ts',
]);

/** The modules beside the handlers that describe them: the route table, its parameters and prose, the event table. */
const TABLES = new Set(['routes.ts', 'route-params.ts', 'route-docs.ts', 'events.ts']);

/** The layer of a file (a path from the repository's root), or null outside functions/ (schemas, data). */
export function layerOf(file: string): Layer | null {
  const m = /^functions\/(?:([\w-]+)\/)?([\w.-]+)$/.exec(file);
  if (!m) return null;
  const [, folder, name] = m;
  if (folder === undefined) return TABLES.has(name!) ? 'tables' : 'entry';
  switch (folder) {
    case 'http':
    case 'jobs':
      return 'entry';
    case 'shared':
      return SHARED_LEAVES.has(name!) ? 'leaf' : 'middleware';
    case 'use-cases':
      return 'use-cases';
    case 'store':
      return 'store';
    case 'domain':
      return 'domain';
    case 'generated':
      return 'generated';
    default:
      return 'entry';
  }
}

/** Packages the domain may not use: AWS (SDK, Powertools, Lambda types) and middy. */
const PLATFORM = /^(@aws-sdk\/|@aws-lambda-powertools\/|@middy\/|aws-lambda$|aws-cdk-lib)/;

export interface Violation {
  file: string;
  imports: string;
  reason: string;
}

/** What the rule says of one import of `file` (null: allowed). */
function violation(file: string, ref: ImportRef): Violation | null {
  const from = layerOf(file);
  if (from === null) return null;
  const relative = ref.specifier.startsWith('.');
  const target = relative ? posix.normalize(posix.join(posix.dirname(file), ref.specifier)) : ref.specifier;
  const report = (reason: string): Violation => ({ file, imports: target, reason });
  if (!relative) {
    if (from === 'domain' && PLATFORM.test(target)) return report('the domain uses no AWS or middy package');
    if (from === 'use-cases' && /^@aws-sdk\//.test(target) && !ref.typeOnly) return report('a use case imports no value from the AWS SDK');
    return null;
  }
  const to = layerOf(target);
  if (to === null) return null; // schemas/*.json and other data
  if (from === 'domain' && to !== 'domain' && to !== 'generated')
    return report(`the domain imports only the domain and generated types (not ${to})`);
  if (from === 'use-cases' && to === 'store')
    return ref.typeOnly ? null : report('a use case imports only types from store/ (the store is wired in by the handler)');
  if (from === 'store' && to === 'use-cases') return report('a store never imports a use case');
  if (RANK[to] > RANK[from]) return report(`${from} is below ${to}`);
  return null;
}

/** Every violation of the rule among these files (path from the repository's root → source). */
export function checkDependencies(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, source] of files) {
    for (const ref of importsOf(source)) {
      const v = violation(file, ref);
      if (v) out.push(v);
    }
  }
  return out;
}
