/**
 * Builds the hub's stacks into an app: one HubStack per customer, deployed to the customer's
 * own account and region. Shared by infra/app.ts and the infra tests, so that the tests
 * assert exactly what `cdk synth` produces.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { Customer } from '../customers.ts';
import { HubStack } from './hub-stack.ts';

/** One stack per customer, named after its `stackName`. */
export function addHubStacks(app: App, customers: readonly Customer[]): HubStack[] {
  return customers.map(
    (customer) =>
      new HubStack(app, customer.stackName, {
        customer,
        stackName: customer.stackName,
        env: { account: customer.account, region: customer.region },
      }),
  );
}

/** The cdk-nag packs the hub is held to. */
export function nagPacks(app?: App): NagPack[] {
  // Acknowledgements (Validations.of(construct).acknowledge) are copied into the template
  // metadata as well, so that the reasons travel with the deployed resources.
  const props = { writeSuppressionsToCloudFormation: true };
  return [new AwsSolutionsChecks(app, props), new ServerlessChecks(app, props)];
}

/** Registers the nag packs as validation plugins: `cdk synth` fails on any unacknowledged finding. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}
