import { makeGetCacheRule } from "../domain/get-cache-rule.js";
import { parseRuleKey } from "../http/request-schemas.js";
import { cacheRuleBody, jsonResponse } from "../http/responses.js";
import { httpRoute } from "../http/route.js";
import { logger } from "../logger.js";
import { buildDependencies } from "./dependencies.js";

const { policy, gateway } = await buildDependencies();

const getCacheRule = makeGetCacheRule({ gateway });

/** `GET /registries/{registryId}/cache-rules/{ecrRepositoryPrefix}`: the rule, or 404. */
export const handler = httpRoute({ logger, policy, jsonBody: false, gated: false }).handler(
  async (event) =>
    jsonResponse(
      200,
      cacheRuleBody(await getCacheRule(parseRuleKey(event)), { withUpdatedAt: true }),
    ),
);
