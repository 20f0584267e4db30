/** POST /facility/{facilityId}/components: the ERP upserts components (all or nothing). */
import { validateComponentsRequest } from '../generated/validators/validate-components-request.cjs';
import { masterPushHandler } from './master-data.ts';

export const handler = masterPushHandler('pushComponents', 'component', validateComponentsRequest);
