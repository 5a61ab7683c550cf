import * as z from "zod/mini";
import { makeValidateCacheRule } from "../../domain/get-cache-rule.js";
import { nothing, rulePath } from "../request-schemas.js";
import type { RuleValidationBody } from "../response-schemas.js";
import { jsonResponse } from "../responses.js";
import { defineRoute, ECR_FAILURES, type RouteDocs } from "../route.js";

const request = z.object({ path: rulePath, query: nothing });

const docs: RouteDocs = {
  summary: "Ask ECR whether a rule can reach its upstream with its credential",
  answers: [{ status: 200, schema: "RuleValidation", description: "ECR's verdict." }],
  problems: ["invalid-body", "rule-not-found", ...ECR_FAILURES],
};

/** `GET …/{ecrRepositoryPrefix}/validation`: ECR's `ValidatePullThroughCacheRule`, or 404. */
export const route = defineRoute(request, docs, (services) => {
  const validateCacheRule = makeValidateCacheRule(services);
  return async ({ path }, { context }) => {
    const result = await validateCacheRule(context, path);
    const answer: RuleValidationBody = {
      registryId: result.registryId,
      ecrRepositoryPrefix: result.ecrRepositoryPrefix,
      upstreamRegistryUrl: result.upstreamRegistryUrl,
      isValid: result.isValid,
      ...(result.failure === undefined ? {} : { failure: result.failure }),
    };
    return jsonResponse(200, answer);
  };
});
