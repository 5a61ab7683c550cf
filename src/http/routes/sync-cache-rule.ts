import * as z from "zod/mini";
import { makeSyncCacheRule } from "../../domain/sync-cache-rule.js";
import { nothing, rulePath } from "../request-schemas.js";
import type { SyncedRuleBody } from "../response-schemas.js";
import { cacheRuleBody, jsonResponse } from "../responses.js";
import { defineRoute, ECR_FAILURES, type RouteDocs } from "../route.js";

// No body, or `{}`: there is nothing to choose, the policy decides.
const request = z.object({ path: rulePath, query: nothing, body: z.optional(nothing) });

const docs: RouteDocs = {
  summary: "Bring a rule's credential and role in line with the policy",
  answers: [{ status: 200, schema: "SyncedRule", description: "The rule, updated or unchanged." }],
  problems: [
    "invalid-body",
    "payload-too-large",
    "unsupported-media-type",
    "upstream-not-allowed",
    "rule-not-found",
    "cannot-remove-credential",
    "upstream-unusable",
    ...ECR_FAILURES,
  ],
};

/** `POST …/{ecrRepositoryPrefix}/sync`: the rule with the policy's credential and role. */
export const route = defineRoute(request, docs, (services) => {
  const syncCacheRule = makeSyncCacheRule(services);
  return async ({ path }, { context, trail }) => {
    const result = await syncCacheRule(context, path, trail);
    const answer: SyncedRuleBody = { ...cacheRuleBody(result.rule), sync: result.sync };
    return jsonResponse(200, answer);
  };
});
