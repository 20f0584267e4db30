/**
 * The consumption store's contract (test/support/port-contracts.ts) on the DynamoDB store
 * (functions/store/consumption-store.ts) against the tier's DynamoDB Local: record heads written
 * by the record store's own actions (a new record, a correction's head), read back by the
 * record-time index entries the heads carry.
 *
 * The store modules read their environment when first used: it is set from the stack's
 * local.json first, and the modules are imported only then.
 */
import { useStackStores } from '../support/local-stack.ts';
import { consumptionStoreContract } from '../support/port-contracts.ts';
import { facilityNames, sharedStack } from '../support/shared-stack.ts';

const stack = sharedStack();
useStackStores(stack);

const { readAggregates, readRecordsDated } = await import('../../functions/store/consumption-store.ts');
const { recordHeadPut, recordPut } = await import('../../functions/store/record-store.ts');
const { transactWrite } = await import('../../functions/store/transact.ts');

const names = facilityNames('cports');

consumptionStoreContract('DynamoDB', {
  make: () => ({
    store: { readAggregates, readRecordsDated },
    async write(facilityId, head, revision) {
      const state = {
        facilityId,
        agency: head.agency,
        number: head.number,
        contentHash: `hash-${revision}`,
        orderAgency: head.doc.workOrderIdentifier.agency,
        orderNumber: head.doc.workOrderIdentifier.number,
        orderMatched: false,
        receivedAt: Date.parse('2026-02-03T20:00:00Z'),
      };
      if (revision === 1) {
        await transactWrite([recordPut({ state, doc: head.doc, documents: [] })]);
        return;
      }
      const at = state.receivedAt + revision * 1000;
      await transactWrite([
        recordHeadPut(
          {
            state,
            doc: head.doc,
            documents: [],
            revision,
            recordStatus: head.voided ? 'voided' : 'active',
            history: [],
            modifiedAt: at,
            keyId: null,
          },
          revision - 1,
        ),
      ]);
    },
  }),
  facility: () => names.next(),
});
