/**
 * docs/api.md lists the routes by hand for readers: every route of the route table is in that
 * list with its method, path and roles, and the list names no route the table does not have.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { ROUTES } from '../../functions/routes.ts';
import { ROOT } from '../support/local-stack.ts';

/** The rows of the table under "## Routes": `| METHOD | `path` | roles | what it does |`. */
function listedRoutes(): Map<string, string[]> {
  const text = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith('Routes\n'));
  assert.ok(section, 'docs/api.md has a "## Routes" section');
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\|\s*(GET|POST|PUT|DELETE)\s*\|\s*`([^`]+)`\s*\|\s*([^|]+?)\s*\|/.exec(line);
    if (!m) continue;
    const key = `${m[1]} ${m[2]}`;
    assert.ok(!rows.has(key), `${key} is listed once`);
    rows.set(key, m[3] === 'public' ? [] : m[3]!.split(',').map((r) => r.trim()));
  }
  return rows;
}

test('docs/api.md lists every route of the route table with its method, path and roles, and no other', () => {
  const listed = listedRoutes();
  const table = new Map(ROUTES.map((r) => [`${r.method} ${r.path}`, [...r.roles]]));
  assert.deepEqual([...listed.keys()].sort(), [...table.keys()].sort());
  for (const [key, roles] of table) assert.deepEqual([...listed.get(key)!].sort(), [...roles].sort(), `roles of ${key}`);
});
