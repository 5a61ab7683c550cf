import * as z from "zod/mini";
import { isDomainError } from "../../domain/errors.js";
import { makeListCacheRules } from "../../domain/list-cache-rules.js";
import { decodePageToken, encodePageToken, invalidToken } from "../page-token.js";
import { registryId } from "../request-schemas.js";
import type { RuleListBody } from "../response-schemas.js";
import { cacheRuleBody, jsonResponse } from "../responses.js";
import { defineRoute, ECR_FAILURES, type RouteDocs } from "../route.js";

export const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;

const limit = z.optional(
  z
    .string()
    .check(
      z.refine(
        (value) => /^[1-9][0-9]{0,2}$/.test(value) && Number(value) <= MAX_LIMIT,
        `must be a whole number from 1 to ${MAX_LIMIT}`,
      ),
    ),
);

const request = z.object({
  path: z.strictObject({ registryId }),
  query: z.strictObject({ limit, nextToken: z.optional(z.string()) }),
});

const docs: RouteDocs = {
  summary: "List a registry's rules, each with today's policy judgement",
  answers: [{ status: 200, schema: "RuleList", description: "One page of rules." }],
  problems: ["invalid-body", ...ECR_FAILURES],
};

/** `GET /registries/{registryId}/cache-rules`: one page of rules, each judged against the policy. */
export const route = defineRoute(request, docs, (services) => {
  const listCacheRules = makeListCacheRules(services);
  return async ({ path, query }, { context }) => {
    const ecrToken =
      query.nextToken === undefined ? undefined : decodePageToken(query.nextToken, path.registryId);
    let page: Awaited<ReturnType<typeof listCacheRules>>;
    try {
      page = await listCacheRules(context, path.registryId, {
        limit: query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit),
        ...(ecrToken === undefined ? {} : { nextToken: ecrToken }),
      });
    } catch (error) {
      // ECR refuses a token it did not give (or that expired) with InvalidParameterException.
      if (ecrToken !== undefined && isDomainError(error, "ecr-rejected-request")) {
        throw invalidToken();
      }
      throw error;
    }
    const answer: RuleListBody = {
      rules: page.rules.map(({ rule, compliance }) => ({
        ...cacheRuleBody(rule),
        policy: compliance,
      })),
      ...(page.nextToken === undefined
        ? {}
        : { nextToken: encodePageToken(path.registryId, page.nextToken) }),
    };
    return jsonResponse(200, answer);
  };
});
