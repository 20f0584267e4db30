/**
 * The CDK app (cdk.json: `node infra/app.ts`): one stack per customer of the customers file.
 *
 * Context:
 *   customersFile  the customers file, relative to the project root (default infra/customers.example.json)
 *   customer       build only this customer's stack (its `name`)
 */
import { App } from 'aws-cdk-lib';
import { DEFAULT_CUSTOMERS_FILE, loadCustomers, selectCustomers } from './customers.ts';
import { addHubStacks, addNagChecks } from './stacks/hub-app.ts';

const app = new App();
const file = (app.node.tryGetContext('customersFile') as string | undefined) ?? DEFAULT_CUSTOMERS_FILE;
const only = app.node.tryGetContext('customer') as string | undefined;

addHubStacks(app, selectCustomers(loadCustomers(file), only));
addNagChecks(app);
app.synth();
