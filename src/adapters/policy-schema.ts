import { UpstreamRegistry } from "@aws-sdk/client-ecr";
import * as z from "zod/mini";
import {
  canonicaliseUpstream,
  type RegistryEntry,
  type UpstreamEntry,
  type UpstreamPolicy,
} from "../domain/upstream-policy.js";

/** Where in the policy document a finding is: keys and list indexes from the top. */
export type PolicyPath = readonly (string | number)[];

/**
 * One finding before it has a file position: what is wrong, where in the document, and whether
 * it points at a value, at a mapping key, or at a key that is missing (then at its mapping).
 */
export interface PolicyFinding {
  readonly severity: "error" | "warning";
  readonly path: PolicyPath;
  readonly message: string;
  readonly target: "value" | "key" | "missing";
}

/** One error or warning of a policy file, with its 1-based position when the source had one. */
export interface PolicyIssue {
  readonly severity: "error" | "warning";
  /** The file (or other source) the policy came from. */
  readonly source: string;
  /** 1-based; absent for a document that has no source text (the bundled JSON). */
  readonly line?: number;
  /** 1-based; absent with `line`. */
  readonly column?: number;
  readonly path: PolicyPath;
  /** The entry's `url`, for an issue inside one of `upstreams`. */
  readonly url?: string;
  /** The entry's `id`, for an issue inside one of `registries`. */
  readonly registryId?: string;
  readonly message: string;
  /** The whole issue on one line: `file:line:column: upstreams[3] (ghcr.io).credentialArn: …`. */
  readonly text: string;
}

/** An error: the policy cannot be used. */
export type PolicyProblem = PolicyIssue & { readonly severity: "error" };

/** Something that is allowed but that ECR will probably refuse: reported, never fatal. */
export type PolicyWarning = PolicyIssue & { readonly severity: "warning" };

/** A policy that passed, and what it passed with. */
export interface PolicyCheck {
  readonly policy: UpstreamPolicy;
  readonly warnings: readonly PolicyWarning[];
}

/**
 * Thrown when a policy is unusable. The message holds every problem, one per line; `problems`
 * holds them as a list, and `warnings` what else was found in the same file.
 */
export class PolicyError extends Error {
  override readonly name = "PolicyError";
  readonly source: string;
  readonly problems: readonly PolicyProblem[];
  readonly warnings: readonly PolicyWarning[];

  constructor(
    source: string,
    problems: readonly PolicyProblem[],
    warnings: readonly PolicyWarning[] = [],
    options?: ErrorOptions,
  ) {
    super(problems.map((problem) => problem.text).join("\n"), options);
    this.source = source;
    this.problems = problems;
    this.warnings = warnings;
  }
}

/** The partitions AWS has; an ARN in any other cannot name a real resource. */
export const AWS_PARTITIONS: readonly string[] = [
  "aws",
  "aws-cn",
  "aws-us-gov",
  "aws-iso",
  "aws-iso-b",
  "aws-iso-e",
  "aws-iso-f",
  "aws-eusc",
];

const UPSTREAM_REGISTRIES = Object.values(UpstreamRegistry);
const REGISTRY_ID = /^[0-9]{12}$/;
const REGION = "[a-z]{2}(?:-[a-z]+)+-[0-9]+";
const SECRET_ARN = new RegExp(
  `^arn:([^:]*):secretsmanager:(?:\\{region\\}|${REGION}):(\\{registryId\\}|[0-9]{12}):secret:ecr-pullthroughcache/[A-Za-z0-9/_+=.@-]+$`,
);
// IAM role names and path segments: up to 64 characters of letters, digits and +=,.@_-.
const ROLE_ARN = /^arn:([^:]*):iam::([^:]*):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const ECR_HOST = new RegExp(`^[0-9]{12}\\.dkr\\.ecr\\.(${REGION})\\.amazonaws\\.com(\\.cn)?$`);
const AZURE_HOST = /^[^.]+\.azurecr\.io$/;
// ECR's rule for an upstream repository prefix (CreatePullThroughCacheRule).
const UPSTREAM_PREFIX =
  /^(?:ROOT|[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*\/?)$/;

const SECRET_ARN_FORM =
  "arn:aws:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/<name>";
const ECR_HOST_FORM =
  "<12 digits>.dkr.ecr.<region>.amazonaws.com (.amazonaws.com.cn in the China Regions)";

/** What ECR calls each upstream it supports, the hosts it serves, and how it authenticates. */
const UPSTREAM_KINDS: Record<
  UpstreamRegistry,
  { readonly hosts: string; readonly authentication: "none" | "secret" | "role" }
> = {
  "ecr-public": { hosts: "public.ecr.aws", authentication: "none" },
  k8s: { hosts: "registry.k8s.io", authentication: "none" },
  quay: { hosts: "quay.io", authentication: "none" },
  "docker-hub": { hosts: "registry-1.docker.io", authentication: "secret" },
  "github-container-registry": { hosts: "ghcr.io", authentication: "secret" },
  "gitlab-container-registry": { hosts: "registry.gitlab.com", authentication: "secret" },
  "azure-container-registry": { hosts: "<name>.azurecr.io", authentication: "secret" },
  chainguard: { hosts: "cgr.dev", authentication: "secret" },
  ecr: { hosts: ECR_HOST_FORM, authentication: "role" },
};

/**
 * The partition of a private ECR registry's host, or `undefined` when `host` is not one: the
 * China Regions, and only they, are under `.amazonaws.com.cn`.
 */
const partitionOfEcrHost = (host: string): string | undefined => {
  const match = ECR_HOST.exec(host);
  if (match === null) return undefined;
  const [, region = "", cn] = match;
  const china = cn !== undefined;
  if (region.startsWith("cn-") !== china) return undefined;
  if (china) return "aws-cn";
  return region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
};

/** ECR's name for the upstream at `host`, or `undefined` when ECR does not support it. */
const upstreamKindOf = (host: string): UpstreamRegistry | undefined => {
  if (partitionOfEcrHost(host) !== undefined) return "ecr";
  if (AZURE_HOST.test(host)) return "azure-container-registry";
  return UPSTREAM_REGISTRIES.find((kind) => UPSTREAM_KINDS[kind].hosts === host);
};

const partitionProblem = (partition: string): string | undefined =>
  AWS_PARTITIONS.includes(partition)
    ? undefined
    : `partition '${partition}' is not an AWS partition (${AWS_PARTITIONS.join(", ")})`;

const secretArnProblem = (arn: string): string | undefined => {
  const match = SECRET_ARN.exec(arn);
  if (match === null) return `must be ${SECRET_ARN_FORM}`;
  return partitionProblem(String(match[1]));
};

const roleArnProblem = (arn: string, templated: boolean): string | undefined => {
  if (arn.includes("{region}")) {
    return "must not hold {region}: IAM is global, a role ARN names no Region";
  }
  const match = ROLE_ARN.exec(arn);
  const account = match?.[2] ?? "";
  const accountOk = REGISTRY_ID.test(account) || (templated && account === "{registryId}");
  if (match === null || !accountOk) {
    return templated
      ? "must be an IAM role ARN in the registry's account: arn:aws:iam::{registryId}:role/<name>"
      : "must be an IAM role ARN: arn:aws:iam::<12 digits>:role/<name>";
  }
  return partitionProblem(String(match[1]));
};

const withProblem = (problem: (value: string) => string | undefined) =>
  z.superRefine<string>((value, ctx) => {
    const message = problem(value);
    if (message !== undefined) ctx.issues.push({ code: "custom", input: value, message });
  });

const canonicalHost = z.string({ error: "must be a string" }).check(
  z.refine((value) => {
    const result = canonicaliseUpstream(value);
    return result.ok && result.host === value;
  }, "must be a canonical host name: lower case, no scheme, path, port or trailing slash"),
);

const accountId = (what: string) =>
  z
    .string({ error: `must be a quoted string of 12 digits (${what})` })
    .check(z.regex(REGISTRY_ID, "must be 12 digits"));

const registryIdSchema = accountId("a registry id");

const registryIdsSchema = z
  .array(registryIdSchema, { error: "must be a list of registry ids" })
  .check(z.minLength(1, "must list at least one registry id"));

const upstreamRegistrySchema = z.enum(UPSTREAM_REGISTRIES, {
  error: `must be one of ${UPSTREAM_REGISTRIES.join(", ")}`,
});

const credentialArnSchema = z
  .string({ error: "must be a string" })
  .check(withProblem(secretArnProblem));

const customRoleArnSchema = z
  .string({ error: "must be a string" })
  .check(withProblem((arn) => roleArnProblem(arn, true)));

const upstreamPrefixesSchema = z
  .array(
    z
      .string({ error: "must be a string" })
      .check(
        z.refine(
          (prefix) => prefix.length >= 2 && prefix.length <= 30 && UPSTREAM_PREFIX.test(prefix),
          "must be ROOT or an upstream repository prefix of 2 to 30 characters: lower-case letters and digits, separated by ., _, __, -, or /",
        ),
      ),
    { error: "must be a list of upstream repository prefixes" },
  )
  .check(z.minLength(1, "must list at least one prefix (leave the key out to allow only ROOT)"));

const ENTRY_KEYS = [
  "url",
  "aliases",
  "registryIds",
  "upstreamRegistry",
  "credentialArn",
  "customRoleArn",
  "upstreamRepositoryPrefixes",
] as const;

const entrySchema = z.strictObject(
  {
    url: canonicalHost,
    aliases: z.optional(z.array(canonicalHost, { error: "must be a list of host names" })),
    registryIds: z.optional(registryIdsSchema),
    upstreamRegistry: z.optional(upstreamRegistrySchema),
    credentialArn: z.optional(credentialArnSchema),
    customRoleArn: z.optional(customRoleArnSchema),
    upstreamRepositoryPrefixes: z.optional(upstreamPrefixesSchema),
  },
  { error: `must be a mapping of ${ENTRY_KEYS.join(", ")}` },
);

const roleArnSchema = z
  .string({ error: "must be a string" })
  .check(withProblem((arn) => roleArnProblem(arn, false)));

const REGISTRY_KEYS = ["id", "roleArn", "callers"] as const;

const registrySchema = z.strictObject(
  {
    id: registryIdSchema,
    roleArn: z.optional(roleArnSchema),
    callers: z.optional(
      z
        .array(accountId("an account id"), { error: "must be a list of account ids" })
        .check(
          z.minLength(
            1,
            "must list at least one account (leave the key out for the registry's own)",
          ),
        ),
    ),
  },
  { error: `must be a mapping of ${REGISTRY_KEYS.join(", ")}` },
);

const TOP_KEYS = ["version", "upstreams", "registries"] as const;

const policySchema = z.strictObject(
  {
    version: z.literal(1, { error: "must be the integer 1" }),
    // An empty list is a valid, if strict, policy: it admits nothing.
    upstreams: z.array(entrySchema, { error: "must be a list" }),
    registries: z.optional(
      z
        .array(registrySchema, { error: "must be a list of registries" })
        // Absent serves every registry; empty would serve none: too easy to get by accident.
        .check(z.minLength(1, "onboards no registry: remove the section to serve every registry")),
    ),
  },
  { error: "must be a mapping with version, upstreams and optionally registries" },
);

type Mapping = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Mapping =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `value` as `schema` reads it, or `undefined` when it is not valid on its own. */
const parsed = <T>(schema: z.ZodMiniType<T>, value: unknown): T | undefined => {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
};

/** The value at `path` in `document`, and whether every key on the way exists. */
const lookup = (document: unknown, path: PolicyPath): { found: boolean; value: unknown } => {
  let value = document;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === "number" && segment < value.length) {
      value = value[segment];
    } else if (isRecord(value) && typeof segment === "string" && Object.hasOwn(value, segment)) {
      value = value[segment];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value };
};

const allowedKeys = (path: PolicyPath): readonly string[] => {
  if (path.length === 0) return TOP_KEYS;
  return path[0] === "registries" ? REGISTRY_KEYS : ENTRY_KEYS;
};

/** Zod's issues as findings: one per unknown key, and a missing key said to be missing. */
const shapeFindings = (document: unknown, issues: readonly z.core.$ZodIssue[]): PolicyFinding[] =>
  issues.flatMap((issue): PolicyFinding[] => {
    const path = issue.path.map((segment) =>
      typeof segment === "number" ? segment : String(segment),
    );
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        severity: "error",
        path: [...path, key],
        target: "key",
        message:
          key === "<<"
            ? "YAML merge keys (<<) are not allowed"
            : `unknown key; allowed here: ${allowedKeys(path).join(", ")}`,
      }));
    }
    const parent = lookup(document, path.slice(0, -1));
    const missing =
      path.length > 0 && parent.found && isRecord(parent.value) && !lookup(document, path).found;
    return [
      missing
        ? { severity: "error", path, target: "missing", message: "is required" }
        : { severity: "error", path, target: "value", message: issue.message },
    ];
  });

/**
 * The rules that span fields or entries, on the raw document, so that they are found even when
 * other parts of it are wrong: each rule only looks at fields that are valid on their own.
 */
const crossFindings = (document: unknown): PolicyFinding[] => {
  const findings: PolicyFinding[] = [];
  const add = (
    severity: PolicyFinding["severity"],
    path: PolicyPath,
    message: string,
    target: PolicyFinding["target"] = "value",
  ): void => {
    findings.push({ severity, path, message, target });
  };
  const unique = (list: unknown, path: PolicyPath, what: string): void => {
    if (!Array.isArray(list)) return;
    const seen = new Map<string, number>();
    list.forEach((item: unknown, index) => {
      if (typeof item !== "string") return;
      const first = seen.get(item);
      if (first === undefined) seen.set(item, index);
      else add("error", [...path, index], `${what} '${item}' is already listed at [${first}]`);
    });
  };
  const root = isRecord(document) ? document : {};
  const upstreams: unknown[] = Array.isArray(root["upstreams"]) ? root["upstreams"] : [];
  const registries: unknown[] | undefined = Array.isArray(root["registries"])
    ? root["registries"]
    : undefined;

  const onboarded = new Map<string, number>();
  registries?.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    const at = (...rest: PolicyPath): PolicyPath => ["registries", index, ...rest];
    unique(entry["callers"], at("callers"), "account");
    const id = parsed(registryIdSchema, entry["id"]);
    if (id === undefined) return;
    const first = onboarded.get(id);
    if (first === undefined) onboarded.set(id, index);
    else add("error", at("id"), `is already listed at registries[${first}]`);
    const roleArn = parsed(roleArnSchema, entry["roleArn"]);
    if (roleArn === undefined) return;
    const roleAccount = roleArn.split(":")[4];
    if (roleAccount !== id) {
      add(
        "error",
        at("roleArn"),
        `must be a role in the registry's own account ${id}, not in ${roleAccount}`,
      );
    }
  });
  // Onboarding is only judged against a section whose every id could be read.
  const judgeOnboarding =
    registries?.every(
      (entry) => isRecord(entry) && parsed(registryIdSchema, entry["id"]) !== undefined,
    ) === true;

  const claimed = new Map<string, number>();
  upstreams.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    const at = (...rest: PolicyPath): PolicyPath => ["upstreams", index, ...rest];
    const has = (key: string): boolean => Object.hasOwn(entry, key);

    const claim = (value: unknown, path: PolicyPath): void => {
      const host = parsed(canonicalHost, value);
      if (host === undefined) return;
      const first = claimed.get(host);
      if (first === undefined) claimed.set(host, index);
      else if (first === index) add("error", path, `host '${host}' is listed twice in this entry`);
      else add("error", path, `host '${host}' is already claimed by upstreams[${first}]`);
    };
    claim(entry["url"], at("url"));
    const aliases = entry["aliases"];
    if (Array.isArray(aliases)) {
      for (const [j, alias] of aliases.entries()) claim(alias, at("aliases", j));
    }

    const scope = parsed(registryIdsSchema, entry["registryIds"]);
    unique(scope, at("registryIds"), "registry");
    if (judgeOnboarding) {
      scope?.forEach((id, j) => {
        if (!onboarded.has(id)) {
          add("error", at("registryIds", j), `registry '${id}' is not onboarded in registries`);
        }
      });
    }

    const url = parsed(canonicalHost, entry["url"]);
    const named = parsed(upstreamRegistrySchema, entry["upstreamRegistry"]);
    const kind = url === undefined ? undefined : upstreamKindOf(url);
    const ecrPartition = url === undefined ? undefined : partitionOfEcrHost(url);
    const ecr = kind === "ecr" || named === "ecr";

    if (url !== undefined && named !== undefined && named !== kind) {
      if (named === "ecr") {
        add("error", at("url"), `must be ${ECR_HOST_FORM} for upstreamRegistry ecr`);
      } else if (kind === "ecr") {
        add("error", at("upstreamRegistry"), "must be ecr for a private ECR registry");
      } else if (kind !== undefined) {
        add("error", at("upstreamRegistry"), `must be ${kind} for ${url}, or left out`);
      } else {
        add(
          "error",
          at("upstreamRegistry"),
          `names ${named}, which ECR serves from ${UPSTREAM_KINDS[named].hosts}, not from ${url}`,
        );
      }
    }
    if (kind === "ecr" && !has("upstreamRegistry")) {
      add(
        "error",
        at("upstreamRegistry"),
        "is required for a private ECR registry: write upstreamRegistry: ecr",
        "missing",
      );
    }

    // A literal account instead of {registryId} only fits an entry for that one registry.
    const ownAccount = (key: string, arn: string, what: string): void => {
      const account = String(arn.split(":")[4]);
      if (!REGISTRY_ID.test(account)) return;
      if (has("registryIds") && scope === undefined) return;
      if (scope?.length === 1 && scope[0] === account) return;
      add(
        "error",
        at(key),
        `names account ${account}, but ${what} must be in each registry's own account: write {registryId}, or limit the entry with registryIds: ["${account}"]`,
      );
    };

    const customRoleArn = parsed(customRoleArnSchema, entry["customRoleArn"]);
    const credentialArn = parsed(credentialArnSchema, entry["credentialArn"]);
    if (ecr) {
      if (!has("customRoleArn")) {
        add(
          "error",
          at("customRoleArn"),
          "is required for an ECR upstream: the IAM role ECR assumes to pull from it",
          "missing",
        );
      } else if (customRoleArn !== undefined) {
        ownAccount("customRoleArn", customRoleArn, "the role");
        const partition = customRoleArn.split(":")[1];
        if (ecrPartition !== undefined && partition !== ecrPartition) {
          add(
            "error",
            at("customRoleArn"),
            `must be in partition ${ecrPartition}, the partition of ${url}`,
          );
        }
      }
      if (has("credentialArn")) {
        add(
          "error",
          at("credentialArn"),
          "is not for an ECR upstream, which ECR reaches with customRoleArn",
          "key",
        );
      }
      unique(entry["upstreamRepositoryPrefixes"], at("upstreamRepositoryPrefixes"), "prefix");
      return;
    }
    for (const key of ["customRoleArn", "upstreamRepositoryPrefixes"]) {
      if (has(key)) {
        add("error", at(key), "is only for an ECR upstream (upstreamRegistry: ecr)", "key");
      }
    }
    if (credentialArn !== undefined) {
      ownAccount("credentialArn", credentialArn, "the secret");
    }
    if (url === undefined) return;
    if (kind === undefined) {
      add(
        "warning",
        at("url"),
        `${url} is not an upstream that ECR supports for pull through cache: creating a rule for it will fail`,
      );
    } else if (UPSTREAM_KINDS[kind].authentication === "secret" && !has("credentialArn")) {
      add(
        "warning",
        at(),
        `ECR accepts ${url} only with a credential, and the entry binds no credentialArn: creating a rule for it will fail`,
      );
    }
  });
  return findings;
};

/** The outcome of validating a document: every finding, and the policy when there is no error. */
export interface PolicyValidation {
  readonly findings: readonly PolicyFinding[];
  readonly policy?: UpstreamPolicy;
}

/**
 * Validates a policy document (already parsed from YAML or JSON) and returns every finding at
 * once: the strict shape (unknown keys, wrong types, malformed values) and the rules across
 * fields and entries (duplicate hosts and ids, onboarded registries, ECR entries, accounts in
 * ARNs), plus warnings for upstreams ECR will refuse.
 */
export const validatePolicyDocument = (document: unknown): PolicyValidation => {
  const result = policySchema.safeParse(document);
  const findings = [
    ...(result.success ? [] : shapeFindings(document, result.error.issues)),
    ...crossFindings(document),
  ];
  if (!result.success || findings.some((finding) => finding.severity === "error")) {
    return { findings };
  }
  const { upstreams, registries } = result.data;
  const policy: UpstreamPolicy = {
    version: 1,
    upstreams: upstreams.map(
      (entry): UpstreamEntry => ({
        url: entry.url,
        aliases: entry.aliases ?? [],
        ...(entry.registryIds === undefined ? {} : { registryIds: entry.registryIds }),
        ...(entry.upstreamRegistry === undefined
          ? {}
          : { upstreamRegistry: entry.upstreamRegistry }),
        ...(entry.credentialArn === undefined ? {} : { credentialArn: entry.credentialArn }),
        ...(entry.customRoleArn === undefined ? {} : { customRoleArn: entry.customRoleArn }),
        ...(entry.upstreamRepositoryPrefixes === undefined
          ? {}
          : { upstreamRepositoryPrefixes: entry.upstreamRepositoryPrefixes }),
      }),
    ),
    ...(registries === undefined
      ? {}
      : {
          registries: registries.map(
            (registry): RegistryEntry => ({
              id: registry.id,
              ...(registry.roleArn === undefined ? {} : { roleArn: registry.roleArn }),
              callers: registry.callers ?? [registry.id],
            }),
          ),
        }),
  };
  return { findings, policy };
};

const PRINTABLE = /^[\x21-\x7e]+$/;
const shown = (value: string): string => (PRINTABLE.test(value) ? value : JSON.stringify(value));

/**
 * Gives a finding its place: `upstreams[3] (ghcr.io).credentialArn`, with the entry's url (or
 * a registry's id) from the document, and `file:line:column` when a position is known.
 */
export const toPolicyIssue = (
  finding: PolicyFinding,
  document: unknown,
  source: string,
  position?: { readonly line: number; readonly column: number },
): PolicyIssue => {
  const [section, index] = finding.path;
  const entry = typeof index === "number" ? lookup(document, [String(section), index]).value : {};
  const labelKey = section === "upstreams" ? "url" : section === "registries" ? "id" : undefined;
  const rawLabel = labelKey !== undefined && isRecord(entry) ? entry[labelKey] : undefined;
  const label = typeof rawLabel === "string" ? rawLabel : undefined;
  const at = finding.path
    .map((segment, i) => {
      if (typeof segment === "number") {
        return `[${segment}]${i === 1 && label !== undefined ? ` (${shown(label)})` : ""}`;
      }
      return `${i === 0 ? "" : "."}${shown(segment)}`;
    })
    .join("");
  const where = position === undefined ? source : `${source}:${position.line}:${position.column}`;
  return {
    severity: finding.severity,
    source,
    ...position,
    path: finding.path,
    ...(label !== undefined && labelKey === "url" ? { url: label } : {}),
    ...(label !== undefined && labelKey === "id" ? { registryId: label } : {}),
    message: finding.message,
    text: `${where}: ${at === "" ? "" : `${at}: `}${finding.message}`,
  };
};

const isProblem = (issue: PolicyIssue): issue is PolicyProblem => issue.severity === "error";
const isWarning = (issue: PolicyIssue): issue is PolicyWarning => issue.severity === "warning";

/** Returns the policy with its warnings, or throws every error at once as a `PolicyError`. */
export const concludePolicyCheck = (
  source: string,
  issues: readonly PolicyIssue[],
  policy: UpstreamPolicy | undefined,
): PolicyCheck => {
  const problems = issues.filter(isProblem);
  const warnings = issues.filter(isWarning);
  if (policy === undefined || problems.length > 0) {
    throw new PolicyError(source, problems, warnings);
  }
  return { policy, warnings };
};

/**
 * Validates a policy document that has no source text (the JSON the build inlines, read again
 * at cold start): the same rules as a file, with the issues' positions absent.
 */
export const checkPolicyDocument = (document: unknown, source: string): PolicyCheck => {
  const { findings, policy } = validatePolicyDocument(document);
  return concludePolicyCheck(
    source,
    findings.map((finding) => toPolicyIssue(finding, document, source)),
    policy,
  );
};

/** Like `checkPolicyDocument`, for callers that need only the policy. */
export const parsePolicyDocument = (document: unknown, source: string): UpstreamPolicy =>
  checkPolicyDocument(document, source).policy;
