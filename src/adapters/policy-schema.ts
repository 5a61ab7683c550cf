import { UpstreamRegistry } from "@aws-sdk/client-ecr";
import * as z from "zod/mini";
import { canonicaliseUpstream, type UpstreamPolicy } from "../domain/upstream-policy.js";

// ECR's own list of upstream registry names, from the SDK model.
const UPSTREAM_REGISTRIES = Object.values(UpstreamRegistry);

const REGISTRY_ID = /^[0-9]{12}$/;
// The secret lives in the registry's own account and Region, under ECR's required name prefix.
// A Secrets Manager secret under ECR's required name prefix. Region and account are normally the
// {region} and {registryId} placeholders (the secret lives with the registry); literals are
// allowed for an entry scoped to one registry.
const CREDENTIAL_ARN_TEMPLATE =
  /^arn:aws(?:-[a-z]+)*:secretsmanager:(?:\{region\}|[a-z]{2}(?:-[a-z]+)+-[0-9]):(?:\{registryId\}|[0-9]{12}):secret:ecr-pullthroughcache\/[A-Za-z0-9/_+=.@-]+$/;

const canonicalHost = z.string({ error: "must be a string" }).check(
  z.refine((value) => {
    const result = canonicaliseUpstream(value);
    return result.ok && result.host === value;
  }, "must be a canonical host name: lower case, no scheme, path, port or trailing slash"),
);

const entrySchema = z.strictObject(
  {
    url: canonicalHost,
    aliases: z.optional(z.array(canonicalHost, { error: "must be a list of host names" })),
    registryIds: z.optional(
      z
        .array(
          z
            .string({ error: "must be a quoted string of 12 digits" })
            .check(z.regex(REGISTRY_ID, "must be 12 digits")),
          { error: "must be a list of registry ids" },
        )
        .check(z.minLength(1, "must list at least one registry id")),
    ),
    upstreamRegistry: z.optional(
      z.enum(UPSTREAM_REGISTRIES, { error: `must be one of ${UPSTREAM_REGISTRIES.join(", ")}` }),
    ),
    credentialArn: z.optional(
      z
        .string({ error: "must be a string" })
        .check(
          z.regex(
            CREDENTIAL_ARN_TEMPLATE,
            "must be arn:aws:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/<name>",
          ),
        ),
    ),
  },
  { error: "must be a mapping of url, aliases, registryIds, upstreamRegistry, credentialArn" },
);

const policySchema = z
  .strictObject(
    {
      version: z.literal(1, { error: "must be 1" }),
      upstreams: z
        // An empty list is a valid, if strict, policy: it admits nothing.
        .array(entrySchema, { error: "must be a list" }),
    },
    { error: "must be a mapping with version and upstreams" },
  )
  .check(
    z.superRefine((policy, ctx) => {
      const seen = new Map<string, number>();
      policy.upstreams.forEach((entry, index) => {
        for (const host of [entry.url, ...(entry.aliases ?? [])]) {
          const first = seen.get(host);
          if (first !== undefined) {
            ctx.issues.push({
              code: "custom",
              input: host,
              path: ["upstreams", index],
              message: `host '${host}' is already claimed by upstreams[${first}]`,
            });
          }
          seen.set(host, first ?? index);
        }
      });
    }),
  );

/** Thrown when a policy document is unusable; the message lists every problem with its path. */
export class PolicyError extends Error {
  override readonly name = "PolicyError";
}

/**
 * Validates a policy document (already parsed from YAML or JSON) strictly: unknown keys, wrong
 * types, non-canonical hosts, duplicate hosts and malformed credential templates are all errors.
 */
export const parsePolicyDocument = (document: unknown, source: string): UpstreamPolicy => {
  const result = policySchema.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const at = issue.path.length === 0 ? "(top level)" : issue.path.join(".");
      const keys = issue.code === "unrecognized_keys" ? ` (${issue.keys.join(", ")})` : "";
      const message = issue.code === "unrecognized_keys" ? "unknown key" : issue.message;
      return `${at}: ${message}${keys}`;
    });
    throw new PolicyError(`${source}: ${problems.join("; ")}`);
  }
  return {
    version: 1,
    upstreams: result.data.upstreams.map((entry) => ({
      url: entry.url,
      aliases: entry.aliases ?? [],
      ...(entry.registryIds === undefined ? {} : { registryIds: entry.registryIds }),
      ...(entry.upstreamRegistry === undefined ? {} : { upstreamRegistry: entry.upstreamRegistry }),
      ...(entry.credentialArn === undefined ? {} : { credentialArn: entry.credentialArn }),
    })),
  };
};
