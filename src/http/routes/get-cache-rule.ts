import * as z from "zod/mini";
import { makeGetCacheRule } from "../../domain/get-cache-rule.js";
import { nothing, rulePath } from "../request-schemas.js";
import { cacheRuleBody, jsonResponse } from "../responses.js";
import { defineRoute } from "../route.js";

const request = z.object({ path: rulePath, query: nothing });

/** `GET /registries/{registryId}/cache-rules/{ecrRepositoryPrefix}`: the rule, or 404. */
export const route = defineRoute(request, (services) => {
  const getCacheRule = makeGetCacheRule(services);
  return async ({ path }, { context }) =>
    jsonResponse(200, cacheRuleBody(await getCacheRule(context, path)));
});
