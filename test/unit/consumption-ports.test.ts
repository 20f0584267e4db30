/** The consumption store's contract (test/support/port-contracts.ts) on the in-memory store the unit tests use. */
import { consumptionStoreContract } from '../support/port-contracts.ts';
import { memoryConsumptionStore } from './helpers/memory-consumption-store.ts';

let n = 0;
consumptionStoreContract('in memory', {
  make: () => {
    const store = memoryConsumptionStore();
    return { store, write: async (facilityId, head) => store.write(facilityId, head) };
  },
  facility: () => `plant-${++n}`,
});
