import { makeCreateCacheRule } from "../domain/create-cache-rule.js";
import { auditTrailFor } from "../http/audit-middleware.js";
import { parseCreateRequest } from "../http/request-schemas.js";
import { cacheRuleBody, cacheRuleLocation, jsonResponse } from "../http/responses.js";
import { httpRoute } from "../http/route.js";
import { logger } from "../logger.js";
import { buildDependencies } from "./dependencies.js";

const { config, policy, gateway } = await buildDependencies();

const createCacheRule = makeCreateCacheRule({
  gateway,
  // With a broken policy the route's guard answers 503 first; an empty list also admits nothing.
  policy: policy.ok ? policy.policy : { version: 1, upstreams: [] },
  region: config.region,
});

/** `POST /registries/{registryId}/cache-rules`: 201 for a new rule, 200 for a retried one. */
export const handler = httpRoute({ logger, policy, jsonBody: true, gated: true }).handler(
  async (event) => {
    const outcome = await createCacheRule(parseCreateRequest(event), auditTrailFor(event));
    return jsonResponse(
      outcome.status === "created" ? 201 : 200,
      cacheRuleBody(outcome.rule, { withUpdatedAt: false }),
      {
        Location: cacheRuleLocation(outcome.rule),
      },
    );
  },
);
