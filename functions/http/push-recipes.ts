/** POST /facility/{facilityId}/recipes: the ERP upserts recipes (all or nothing). */
import { validateRecipesRequest } from '../generated/validators/validate-recipes-request.cjs';
import { masterPushHandler } from './master-data.ts';

export const handler = masterPushHandler('pushRecipes', 'recipe', validateRecipesRequest);
