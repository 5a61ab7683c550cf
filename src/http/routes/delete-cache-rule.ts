import * as z from "zod/mini";
import { makeDeleteCacheRule } from "../../domain/delete-cache-rule.js";
import { nothing, rulePath } from "../request-schemas.js";
import { cacheRuleBody, jsonResponse } from "../responses.js";
import { defineRoute, ECR_FAILURES, type RouteDocs } from "../route.js";

const request = z.object({ path: rulePath, query: nothing });

const docs: RouteDocs = {
  summary: "Delete a rule, whatever the policy says of it",
  answers: [{ status: 200, schema: "CacheRule", description: "The deleted rule." }],
  problems: ["invalid-body", "rule-not-found", ...ECR_FAILURES],
};

/** `DELETE /registries/{registryId}/cache-rules/{ecrRepositoryPrefix}`: the deleted rule, or 404. */
export const route = defineRoute(request, docs, (services) => {
  const deleteCacheRule = makeDeleteCacheRule(services);
  return async ({ path }, { context, trail }) =>
    jsonResponse(200, cacheRuleBody(await deleteCacheRule(context, path, trail)));
});
