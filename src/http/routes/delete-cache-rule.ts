import * as z from "zod/mini";
import { makeDeleteCacheRule } from "../../domain/delete-cache-rule.js";
import { nothing, rulePath } from "../request-schemas.js";
import { cacheRuleBody, jsonResponse } from "../responses.js";
import { defineRoute } from "../route.js";

const request = z.object({ path: rulePath, query: nothing });

/** `DELETE /registries/{registryId}/cache-rules/{ecrRepositoryPrefix}`: the deleted rule, or 404. */
export const route = defineRoute(request, (services) => {
  const deleteCacheRule = makeDeleteCacheRule(services);
  return async ({ path }, { context, trail }) =>
    jsonResponse(200, cacheRuleBody(await deleteCacheRule(context, path, trail)));
});
