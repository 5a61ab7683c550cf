import * as z from "zod/mini";
import type { CacheRuleKey } from "../domain/cache-rule.js";
import type { CreateCacheRuleCommand } from "../domain/create-cache-rule.js";
import { type FieldError, invalidRequest } from "../domain/errors.js";
import { canonicaliseUpstream } from "../domain/upstream-policy.js";
import type { ApiEvent } from "./api-event.js";

const REGISTRY_ID = /^[0-9]{12}$/;
// Stricter than ECR on purpose (contract §1): no '/', no '__' runs, no ROOT, at most 20.
const PREFIX = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const requiredString = z.string({
  error: (issue) => (issue.input === undefined ? "is required" : "must be a string"),
});

const registryId = requiredString.check(z.regex(REGISTRY_ID, "must be exactly 12 digits"));

const ecrRepositoryPrefix = requiredString.check(
  z.minLength(2, "must be 2 to 20 characters"),
  z.maxLength(20, "must be 2 to 20 characters"),
  z.regex(PREFIX, "must be lower-case letters and digits, separated by single '.', '_' or '-'"),
);

const upstreamRegistryUrl = requiredString.check(
  z.superRefine((value, ctx) => {
    const result = canonicaliseUpstream(value);
    if (!result.ok) ctx.issues.push({ code: "custom", input: value, message: result.reason });
  }),
);

const createRequest = z
  .object({
    path: z.object({ registryId }),
    body: z.strictObject({
      ecrRepositoryPrefix,
      upstreamRegistryUrl,
      registryId: z.optional(requiredString),
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

// Reads take any prefix ECR itself accepts (2 to 30 characters, `ROOT`), so that rules made
// outside the service, or before its stricter create rule, can still be read.
const ECR_PREFIX = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*|ROOT)$/;

const existingPrefix = requiredString.check(
  z.minLength(2, "must be 2 to 30 characters"),
  z.maxLength(30, "must be 2 to 30 characters"),
  z.regex(
    ECR_PREFIX,
    "must be lower-case letters and digits, separated by single '.', '_', '-' or '/', or ROOT",
  ),
);

const ruleRequest = z.object({
  path: z.object({ registryId, ecrRepositoryPrefix: existingPrefix }),
});

/**
 * Field errors named as the caller knows them: the path parameter or body member itself. A
 * member of the wrong type gets only that complaint (zod still runs length checks on arrays).
 */
const fieldErrors = (issues: readonly z.core.$ZodIssue[]): FieldError[] => {
  const fieldOf = (issue: z.core.$ZodIssue): string => issue.path.slice(1).map(String).join(".");
  const wrongType = new Set(issues.filter((issue) => issue.code === "invalid_type").map(fieldOf));
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: key, message: "is not a known field" }));
    }
    const field = fieldOf(issue);
    return issue.code !== "invalid_type" && wrongType.has(field)
      ? []
      : [{ field, message: issue.message }];
  });
};

const MAX_NAMED_FIELDS = 5;
const MAX_NAME_LENGTH = 40;

/** "Invalid field(s) a, b: …", naming a bounded, printable few of the fields for a quick read. */
const summary = (errors: readonly FieldError[]): string => {
  const names = [...new Set(errors.map((error) => error.field))];
  const shown = names
    .slice(0, MAX_NAMED_FIELDS)
    .map((name) => name.replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_NAME_LENGTH));
  const more =
    names.length > MAX_NAMED_FIELDS ? ` and ${names.length - MAX_NAMED_FIELDS} more` : "";
  const noun = names.length === 1 ? "field" : "fields";
  return `Invalid ${noun} ${shown.join(", ")}${more}; see errors for each.`;
};

const parse = <T>(schema: z.ZodMiniType<T>, input: unknown): T => {
  const result = schema.safeParse(input);
  if (!result.success) {
    const errors = fieldErrors(result.error.issues);
    throw invalidRequest(summary(errors), errors);
  }
  return result.data;
};

/**
 * Parses `POST /registries/{registryId}/cache-rules` once its body is a JSON object: every
 * problem with the path and the body is reported together, field by field.
 */
export const parseCreateRequest = (event: ApiEvent): CreateCacheRuleCommand => {
  const { path, body } = parse(createRequest, {
    path: event.pathParameters ?? {},
    body: event.body,
  });
  return {
    registryId: path.registryId,
    ecrRepositoryPrefix: body.ecrRepositoryPrefix,
    upstreamRegistryUrl: body.upstreamRegistryUrl,
  };
};

/** Parses `GET /registries/{registryId}/cache-rules/{ecrRepositoryPrefix}`. */
export const parseRuleKey = (event: ApiEvent): CacheRuleKey =>
  parse(ruleRequest, { path: event.pathParameters ?? {} }).path;
