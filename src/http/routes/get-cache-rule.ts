import * as z from "zod/mini";
import { makeGetCacheRule } from "../../domain/get-cache-rule.js";
import { nothing, rulePath } from "../request-schemas.js";
import { cacheRuleBody, jsonResponse } from "../responses.js";
import { defineRoute, ECR_FAILURES, type RouteDocs } from "../route.js";

const request = z.object({ path: rulePath, query: nothing });

const docs: RouteDocs = {
  summary: "Read a rule",
  answers: [{ status: 200, schema: "CacheRule", description: "The rule." }],
  problems: ["invalid-body", "rule-not-found", ...ECR_FAILURES],
};

/** `GET /registries/{registryId}/cache-rules/{ecrRepositoryPrefix}`: the rule, or 404. */
export const route = defineRoute(request, docs, (services) => {
  const getCacheRule = makeGetCacheRule(services);
  return async ({ path }, { context }) =>
    jsonResponse(200, cacheRuleBody(await getCacheRule(context, path)));
});
