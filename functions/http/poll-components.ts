/** GET /facility/{facilityId}/components: the poll of components changed since lastExecutionDateTime (the work orders' no-loss rules). */
import { masterPollHandler } from './master-data.ts';

export const handler = masterPollHandler('pollComponents', 'components');
