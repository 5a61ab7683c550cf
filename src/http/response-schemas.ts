/**
 * The shapes of every success answer, as schemas: the OpenAPI document is generated from them at
 * build time, and the code's answer types are inferred from them (`import type` only, so none of
 * this is in the bundle).
 * @module
 */
import * as z from "zod/mini";

const isoDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/));

/** A rule (contract §1, §6): the binding fields only when it has a credential or a role. */
export const cacheRule = z.strictObject({
  registryId: z.string(),
  ecrRepositoryPrefix: z.string(),
  upstreamRegistryUrl: z.string(),
  createdAt: isoDate,
  updatedAt: z.optional(isoDate),
  credentialArn: z.optional(z.string()),
  customRoleArn: z.optional(z.string()),
  upstreamRegistry: z.optional(z.string()),
  upstreamRepositoryPrefix: z.optional(z.string()),
});

const validation = z.strictObject({
  isValid: z.nullable(z.boolean()),
  failure: z.optional(z.string()),
});

/** A created rule: the rule, and ECR's check of its credential or role when it has one. */
export const createdRule = z.strictObject({
  ...cacheRule.shape,
  validation: z.optional(validation),
});

export const compliance = z.enum(["allowed", "not-on-allowlist", "drift"]);

export const ruleList = z.strictObject({
  rules: z.array(z.strictObject({ ...cacheRule.shape, policy: compliance })),
  nextToken: z.optional(z.string()),
});

export const syncedRule = z.strictObject({
  ...cacheRule.shape,
  sync: z.enum(["updated", "unchanged"]),
});

export const ruleValidation = z.strictObject({
  registryId: z.string(),
  ecrRepositoryPrefix: z.string(),
  upstreamRegistryUrl: z.string(),
  isValid: z.boolean(),
  failure: z.optional(z.string()),
});

export const upstreamList = z.strictObject({
  upstreams: z.array(
    z.strictObject({
      url: z.string(),
      aliases: z.array(z.string()),
      upstreamRegistry: z.optional(z.string()),
      requiresCredential: z.boolean(),
      upstreamRepositoryPrefixes: z.optional(z.array(z.string())),
    }),
  ),
});

const createRequest = z.strictObject({
  registryId: z.string(),
  ecrRepositoryPrefix: z.string(),
  upstreamRegistryUrl: z.string(),
  upstreamRegistry: z.optional(z.string()),
  credentialArn: z.optional(z.string()),
  customRoleArn: z.optional(z.string()),
  upstreamRepositoryPrefix: z.optional(z.string()),
});

export const dryRun = z.strictObject({
  decision: z.literal("allowed"),
  outcome: z.enum(["create", "existing", "conflict", "quota-exceeded"]),
  request: createRequest,
  quota: z.strictObject({ used: z.number().check(z.int()), limit: z.number().check(z.int()) }),
  existingRule: z.optional(cacheRule),
});

export const problem = z.strictObject({
  type: z.string(),
  title: z.string(),
  status: z.number().check(z.int()),
  detail: z.string(),
  code: z.string(),
  requestId: z.string(),
  errors: z.optional(z.array(z.strictObject({ field: z.string(), message: z.string() }))),
});

/** The OpenAPI document itself: any JSON object. */
export const openApiDocument = z.record(z.string(), z.unknown());

/** Every success schema by name, as the route table refers to them. */
export const RESPONSE_SCHEMAS = {
  CacheRule: cacheRule,
  CreatedRule: createdRule,
  RuleList: ruleList,
  SyncedRule: syncedRule,
  RuleValidation: ruleValidation,
  UpstreamList: upstreamList,
  DryRun: dryRun,
  OpenApiDocument: openApiDocument,
} as const;

export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;
export type CacheRuleBody = z.infer<typeof cacheRule>;
export type CreatedRuleBody = z.infer<typeof createdRule>;
export type RuleListBody = z.infer<typeof ruleList>;
export type SyncedRuleBody = z.infer<typeof syncedRule>;
export type RuleValidationBody = z.infer<typeof ruleValidation>;
export type UpstreamListBody = z.infer<typeof upstreamList>;
export type DryRunBody = z.infer<typeof dryRun>;
