/** GET /facility/{facilityId}/recipes: the poll of recipes changed since lastExecutionDateTime (the work orders' no-loss rules). */
import { masterPollHandler } from './master-data.ts';

export const handler = masterPollHandler('pollRecipes', 'recipes');
