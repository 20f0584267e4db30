/**
 * The CDK app (cdk.json: `node infra/app.ts`): one stack per customer of the customers file.
 *
 * Context:
 *   customersFile  the customers file, relative to the project root (else the environment
 *                  variable MIXTICKET_CUSTOMERS_FILE, else infra/customers.example.json)
 *   customer       build only this customer's stack (its `name`)
 */
import { App } from 'aws-cdk-lib';
import { ensureGenerated } from '../scripts/ensure-generated.ts';
import { customersFileFor, loadCustomers, selectCustomers } from './customers.ts';
import { addHubStacks, addNagChecks } from './stacks/hub-app.ts';

// The functions bundle the generated validators: build them if schemas/ changed since.
ensureGenerated();
const app = new App();
const file = customersFileFor(app.node.tryGetContext('customersFile'));
const only = app.node.tryGetContext('customer') as string | undefined;

addHubStacks(app, selectCustomers(loadCustomers(file), only));
addNagChecks(app);
app.synth();
