/** POST /facility/{facilityId}/purchaseOrders: the ERP upserts purchase orders (all or nothing). */
import { validatePurchaseOrdersRequest } from '../generated/validators/validate-purchase-orders-request.cjs';
import { masterPushHandler } from './master-data.ts';

export const handler = masterPushHandler('pushPurchaseOrders', 'purchaseOrder', validatePurchaseOrdersRequest);
