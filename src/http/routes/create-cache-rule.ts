import * as z from "zod/mini";
import { makeCreateCacheRule } from "../../domain/create-cache-rule.js";
import { makeDryRunCacheRule } from "../../domain/dry-run-cache-rule.js";
import {
  createPrefix,
  registryId,
  requiredString,
  upstreamRegistryUrl,
  upstreamRepositoryPrefix,
} from "../request-schemas.js";
import type { CreatedRuleBody, DryRunBody } from "../response-schemas.js";
import { cacheRuleBody, cacheRuleLocation, jsonResponse } from "../responses.js";
import { defineRoute, ECR_FAILURES, type RouteDocs } from "../route.js";

const request = z
  .object({
    path: z.strictObject({ registryId }),
    query: z.strictObject({
      dryRun: z.optional(z.enum(["true", "false"], { error: "must be true or false" })),
    }),
    body: z.strictObject({
      ecrRepositoryPrefix: createPrefix,
      upstreamRegistryUrl,
      registryId: z.optional(requiredString),
      upstreamRepositoryPrefix: z.optional(upstreamRepositoryPrefix),
    }),
  })
  .check(
    z.superRefine(({ path, body }, ctx) => {
      if (body.registryId !== undefined && body.registryId !== path.registryId) {
        ctx.issues.push({
          code: "custom",
          input: body.registryId,
          path: ["body", "registryId"],
          message: `must equal the registry id in the path (${path.registryId})`,
        });
      }
    }),
  );

const docs: RouteDocs = {
  summary: "Create a rule (or, with ?dryRun=true, preview what creating it would do)",
  answers: [
    {
      status: 201,
      schema: "CreatedRule",
      description: "The rule was created.",
      location: "required",
    },
    {
      status: 200,
      schema: ["CreatedRule", "DryRun"],
      description:
        "A retry: the prefix already holds exactly this rule (with ?dryRun=true: the preview, a DryRun body, without Location).",
      location: "when-a-rule",
    },
  ],
  problems: [
    "invalid-body",
    "payload-too-large",
    "unsupported-media-type",
    "upstream-not-allowed",
    "upstream-unusable",
    "rule-conflict",
    "rule-quota-exceeded",
    ...ECR_FAILURES,
  ],
};

/**
 * `POST /registries/{registryId}/cache-rules`: 201 for a new rule, 200 for a retried one; with
 * `?dryRun=true`, 200 with what a create would do now, and nothing created.
 */
export const route = defineRoute(request, docs, (services) => {
  const createCacheRule = makeCreateCacheRule(services);
  const dryRunCacheRule = makeDryRunCacheRule(services);
  return async ({ path, query, body }, { event, context, trail }) => {
    const command = {
      registryId: path.registryId,
      ecrRepositoryPrefix: body.ecrRepositoryPrefix,
      upstreamRegistryUrl: body.upstreamRegistryUrl,
      ...(body.upstreamRepositoryPrefix === undefined
        ? {}
        : { upstreamRepositoryPrefix: body.upstreamRepositoryPrefix }),
    };
    if (query.dryRun === "true") {
      const preview = await dryRunCacheRule(context, command, trail);
      const answer: DryRunBody = {
        decision: "allowed",
        outcome: preview.outcome,
        request: preview.request,
        quota: preview.quota,
        ...(preview.existingRule === undefined
          ? {}
          : { existingRule: cacheRuleBody(preview.existingRule) }),
      };
      return jsonResponse(200, answer);
    }
    const outcome = await createCacheRule(context, command, trail);
    const answer: CreatedRuleBody = {
      ...cacheRuleBody(outcome.rule, { withUpdatedAt: false }),
      ...(outcome.status === "created" && outcome.validation !== undefined
        ? { validation: outcome.validation }
        : {}),
    };
    return jsonResponse(outcome.status === "created" ? 201 : 200, answer, {
      Location: cacheRuleLocation(event, outcome.rule),
    });
  };
});
