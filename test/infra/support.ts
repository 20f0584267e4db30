/**
 * Shared set-up of the infra tests: the app exactly as infra/app.ts builds it (cdk.json's
 * context, the example customers), synthesized once per test file and cleaned up afterwards.
 */

import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { EventFunctionDef } from '../../functions/events.ts';
import { type Customer, loadCustomers } from '../../infra/customers.ts';
import { addHubStacks } from '../../infra/stacks/hub-app.ts';
import type { HubStack } from '../../infra/stacks/hub-stack.ts';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
export const EXAMPLE_CUSTOMERS_FILE = resolve(PROJECT_ROOT, 'infra/customers.example.json');

/** The context of cdk.json (feature flags included), so tests see what `cdk synth` sees. */
export function cdkContext(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return { ...cdkJson.context, ...extra };
}

export interface HubApp {
  app: App;
  customers: Customer[];
  stacks: HubStack[];
  /** Removes the app's cloud assembly directory (bundled assets included). */
  dispose(): void;
}

/**
 * The hub app over the example customers. `bundle: false` skips esbuild (for tests that look
 * at the construct tree only, such as cdk-nag): NodejsFunction then stages a placeholder asset.
 */
export function buildHubApp(options: { bundle?: boolean; context?: Record<string, unknown> } = {}): HubApp {
  const context = cdkContext({
    // As under the CLI: functions name their bundled asset directory in their metadata.
    'aws:cdk:enable-asset-metadata': true,
    ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
    ...options.context,
  });
  const app = new App({ context });
  const customers = loadCustomers(EXAMPLE_CUSTOMERS_FILE);
  const stacks = addHubStacks(app, customers);
  return { app, customers, stacks, dispose: () => rmSync(app.outdir, { recursive: true, force: true }) };
}

/** The logical id of a construct's CloudFormation resource (its default child, or itself). */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

/** Template resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties: Record<string, any>; [key: string]: any }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, any> }>;
}

/** The statements of every IAM policy attached to `roleLogicalId`. */
export function statementsOfRole(template: Template, roleLogicalId: string): Array<Record<string, any>> {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
}

/** A statement's actions as an array. */
export function actionsOf(statement: Record<string, any>): string[] {
  return ([] as string[]).concat(statement.Action);
}

/** A statement's resources as an array. */
export function resourcesOfStatement(statement: Record<string, any>): unknown[] {
  return ([] as unknown[]).concat(statement.Resource);
}

/** One synthetic event function of each trigger (and one without data access): the event-function table is empty until push delivery lands. */
export const EVERY_TRIGGER: readonly EventFunctionDef[] = [
  {
    id: 'onTableChange',
    entry: 'http/health.ts',
    trigger: { kind: 'tableStream', batchSize: 100, maxRetries: 5 },
    access: { table: 'read' },
    summary: 'test stream',
  },
  {
    id: 'everyFiveMinutes',
    entry: 'http/health.ts',
    trigger: { kind: 'schedule', everyMinutes: 5 },
    access: { table: 'readWrite' },
    summary: 'test schedule',
  },
  { id: 'noAccess', entry: 'http/health.ts', trigger: { kind: 'schedule', everyMinutes: 60 }, access: null, summary: 'test no access' },
];
