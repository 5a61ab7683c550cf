import { ControlRequestError, refuseUnknownMembers } from "./control.js";
import { NextTokens } from "./next-tokens.js";
import { checkBinding, classifyUpstream, UPSTREAM_REGISTRIES } from "./upstreams.js";
import {
  checkRange,
  checkString,
  EcrError,
  type JsonObject,
  pattern,
  readInteger,
  readString,
  readStringList,
  Violations,
} from "./validation.js";
import type { ValidationOutcomes } from "./validation-outcomes.js";

/** The ECR operations the emulator implements; any other target is an unknown operation. */
export const ECR_OPERATIONS = [
  "CreatePullThroughCacheRule",
  "DescribePullThroughCacheRules",
  "DeletePullThroughCacheRule",
  "ValidatePullThroughCacheRule",
  "UpdatePullThroughCacheRule",
] as const;

export type EcrOperation = (typeof ECR_OPERATIONS)[number];

export const isEcrOperation = (name: string): name is EcrOperation =>
  (ECR_OPERATIONS as readonly string[]).includes(name);

const PREFIX = pattern("^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*/?|ROOT)$");
const REGISTRY_ID = pattern("[0-9]{12}");
const CREDENTIAL_ARN = pattern(
  "^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:ecr-pullthroughcache/.+$",
);
const CREDENTIAL_CONSTRAINTS = { pattern: CREDENTIAL_ARN, max: 612 } as const;
const CUSTOM_ROLE_CONSTRAINTS = { max: 2048 } as const;
const PREFIX_CONSTRAINTS = { min: 2, max: 30, pattern: PREFIX } as const;

/** Whether ECR accepts `value` as an ecrRepositoryPrefix. */
export const isRulePrefix = (value: string): boolean =>
  value.length >= 2 && value.length <= 30 && PREFIX.regex.test(value);
// ECR's rule for the upstream side allows `__` and runs of `-`, which the cache side does not.
const UPSTREAM_PREFIX = pattern(
  "^([a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*\\/?|ROOT)$",
);

const MAX_RULES_PER_REGISTRY = 50;
const DEFAULT_PAGE_SIZE = 100;

interface StoredRule {
  /** Creation sequence number: gives creation order and anchors pagination tokens. */
  readonly seq: number;
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
  readonly upstreamRegistryUrl: string;
  readonly upstreamRegistry: string | undefined;
  readonly credentialArn: string | undefined;
  readonly customRoleArn: string | undefined;
  readonly upstreamRepositoryPrefix: string | undefined;
  /** Epoch seconds, the wire format of ECR timestamps. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

// Members already reported as missing by a ValidationException cannot be undefined here.
const validated = <T>(value: T | undefined): T => {
  if (value === undefined) throw new Error("A required member escaped validation.");
  return value;
};

const notFound = (prefix: string, registryId: string): EcrError =>
  new EcrError(
    "PullThroughCacheRuleNotFoundException",
    `The pull through cache rule with ecrRepositoryPrefix '${prefix}' does not exist in the registry with id '${registryId}'.`,
  );

/** A rule to store without ECR's checks, as posted to `POST /__emulator/rules`. */
export interface SeedRule {
  readonly ecrRepositoryPrefix: string;
  readonly upstreamRegistryUrl: string;
  /** Default: the emulator's account. */
  readonly registryId?: string;
  /** Default: what ECR would derive from the URL, none for an upstream ECR does not support. */
  readonly upstreamRegistry?: string;
  readonly credentialArn?: string;
  readonly customRoleArn?: string;
  readonly upstreamRepositoryPrefix?: string;
}

/** A rule as DescribePullThroughCacheRules lists it; undefined members are left out in JSON. */
export interface RuleDescription {
  readonly ecrRepositoryPrefix: string;
  readonly upstreamRegistryUrl: string;
  /** Epoch seconds, the wire format of ECR timestamps. */
  readonly createdAt: number;
  readonly registryId: string;
  readonly credentialArn: string | undefined;
  readonly customRoleArn: string | undefined;
  readonly upstreamRepositoryPrefix: string | undefined;
  readonly upstreamRegistry: string | undefined;
  /** Epoch seconds. */
  readonly updatedAt: number;
}

const SEED_MEMBERS = [
  "ecrRepositoryPrefix",
  "upstreamRegistryUrl",
  "registryId",
  "upstreamRegistry",
  "credentialArn",
  "customRoleArn",
  "upstreamRepositoryPrefix",
] as const;

// Fields shared by every answer that describes a rule; undefined ones vanish in JSON.stringify.
const ruleFields = (rule: StoredRule) => ({
  ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
  upstreamRegistryUrl: rule.upstreamRegistryUrl,
  createdAt: rule.createdAt,
  registryId: rule.registryId,
  credentialArn: rule.credentialArn,
  customRoleArn: rule.customRoleArn,
  upstreamRepositoryPrefix: rule.upstreamRepositoryPrefix,
});

const describeRule = (rule: StoredRule): RuleDescription => ({
  ...ruleFields(rule),
  upstreamRegistry: rule.upstreamRegistry,
  updatedAt: rule.updatedAt,
});

// The emulator cannot reach upstreams, secrets or roles, so the only failures it can know about
// are a missing credential or role (possible only for seeded rules).
const knownFailure = (rule: StoredRule): string | undefined => {
  const kind = classifyUpstream(rule.upstreamRegistryUrl);
  if (kind?.requiresCredential === true && rule.credentialArn === undefined) {
    return `The upstream registry ${rule.upstreamRegistryUrl} requires authentication but the pull through cache rule has no credentialArn.`;
  }
  if (kind?.registry === "ecr" && rule.customRoleArn === undefined) {
    return `The ecr upstream registry ${rule.upstreamRegistryUrl} requires a customRoleArn but the pull through cache rule has none.`;
  }
  return undefined;
};

/**
 * In-memory pull through cache rules, one ordered map per registry, and the ECR operations on
 * them with ECR's validation, quota and error answers.
 */
export class RuleStore {
  readonly #defaultRegistryId: string;
  readonly #outcomes: ValidationOutcomes;
  readonly #registries = new Map<string, Map<string, StoredRule>>();
  readonly #tokens = new NextTokens();
  #lastSeq = 0;

  /** `outcomes` override what ValidatePullThroughCacheRule would otherwise conclude. */
  constructor(defaultRegistryId: string, outcomes: ValidationOutcomes) {
    this.#defaultRegistryId = defaultRegistryId;
    this.#outcomes = outcomes;
  }

  /** Forgets every rule in every registry. */
  reset(): void {
    this.#registries.clear();
  }

  /** Runs one ECR operation on a parsed request body; throws {@link EcrError} for ECR errors. */
  execute(operation: EcrOperation, body: JsonObject): JsonObject {
    switch (operation) {
      case "CreatePullThroughCacheRule":
        return this.#create(body);
      case "DescribePullThroughCacheRules":
        return this.#describe(body);
      case "DeletePullThroughCacheRule":
        return this.#delete(body);
      case "ValidatePullThroughCacheRule":
        return this.#validate(body);
      case "UpdatePullThroughCacheRule":
        return this.#update(body);
    }
  }

  /**
   * Stores a rule without ECR's checks (quota, supported upstream, credential, role), replacing
   * any rule with the same prefix, so tests can arrange states ECR itself would refuse to create.
   * Throws {@link ControlRequestError} for a seed without prefix or URL, with an unknown member,
   * or with a registryId that is not 12 digits.
   */
  seed(body: JsonObject): RuleDescription {
    refuseUnknownMembers(body, SEED_MEMBERS, "A seeded rule");
    const read = (member: string): string | undefined => {
      const value = body[member];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== "string") throw new ControlRequestError(`"${member}" must be a string.`);
      return value;
    };
    const ecrRepositoryPrefix = read("ecrRepositoryPrefix");
    const upstreamRegistryUrl = read("upstreamRegistryUrl");
    if (ecrRepositoryPrefix === undefined || upstreamRegistryUrl === undefined) {
      throw new ControlRequestError(
        "A seeded rule needs ecrRepositoryPrefix and upstreamRegistryUrl.",
      );
    }
    const registryId = read("registryId") ?? this.#defaultRegistryId;
    if (!REGISTRY_ID.regex.test(registryId)) {
      throw new ControlRequestError('"registryId" must be 12 digits.');
    }
    const rules = this.#rulesOf(registryId);
    // Re-seeding a prefix moves it to the end, as deleting and re-creating it would in ECR.
    rules.delete(ecrRepositoryPrefix);
    const rule = this.#store(rules, {
      registryId,
      ecrRepositoryPrefix,
      upstreamRegistryUrl,
      upstreamRegistry: read("upstreamRegistry") ?? classifyUpstream(upstreamRegistryUrl)?.registry,
      credentialArn: read("credentialArn"),
      customRoleArn: read("customRoleArn"),
      upstreamRepositoryPrefix: read("upstreamRepositoryPrefix"),
    });
    return describeRule(rule);
  }

  #rulesOf(registryId: string): Map<string, StoredRule> {
    let rules = this.#registries.get(registryId);
    if (rules === undefined) {
      rules = new Map();
      this.#registries.set(registryId, rules);
    }
    return rules;
  }

  #store(
    rules: Map<string, StoredRule>,
    fields: Omit<StoredRule, "seq" | "createdAt" | "updatedAt">,
  ): StoredRule {
    const now = Date.now() / 1000;
    this.#lastSeq += 1;
    const rule: StoredRule = { ...fields, seq: this.#lastSeq, createdAt: now, updatedAt: now };
    rules.set(rule.ecrRepositoryPrefix, rule);
    return rule;
  }

  #create(body: JsonObject): JsonObject {
    const prefix = readString(body, "ecrRepositoryPrefix");
    const url = readString(body, "upstreamRegistryUrl");
    const registryId = readString(body, "registryId");
    const upstreamRegistry = readString(body, "upstreamRegistry");
    const credentialArn = readString(body, "credentialArn");
    const customRoleArn = readString(body, "customRoleArn");
    const upstreamRepositoryPrefix = readString(body, "upstreamRepositoryPrefix");

    const violations = new Violations();
    checkString(violations, "ecrRepositoryPrefix", prefix, {
      required: true,
      ...PREFIX_CONSTRAINTS,
    });
    checkString(violations, "upstreamRegistryUrl", url, { required: true });
    checkString(violations, "registryId", registryId, { pattern: REGISTRY_ID });
    checkString(violations, "upstreamRegistry", upstreamRegistry, { oneOf: UPSTREAM_REGISTRIES });
    checkString(violations, "credentialArn", credentialArn, CREDENTIAL_CONSTRAINTS);
    checkString(violations, "customRoleArn", customRoleArn, CUSTOM_ROLE_CONSTRAINTS);
    checkString(violations, "upstreamRepositoryPrefix", upstreamRepositoryPrefix, {
      min: 2,
      max: 30,
      pattern: UPSTREAM_PREFIX,
    });
    violations.throwIfAny();
    const ecrRepositoryPrefix = validated(prefix);
    const upstreamRegistryUrl = validated(url);
    const targetRegistry = registryId ?? this.#defaultRegistryId;

    const kind = classifyUpstream(upstreamRegistryUrl);
    if (kind === undefined) {
      throw new EcrError(
        "UnsupportedUpstreamRegistryException",
        `The upstream registry ${upstreamRegistryUrl} is not supported for pull through cache rules.`,
      );
    }
    if (upstreamRegistry !== undefined && upstreamRegistry !== kind.registry) {
      throw new EcrError(
        "InvalidParameterException",
        `Invalid parameter at 'upstreamRegistry' failed to satisfy constraint: 'The upstream registry ${upstreamRegistry} does not match the upstream registry URL ${upstreamRegistryUrl}.'`,
      );
    }
    checkBinding(
      {
        operation: "create",
        registryId: targetRegistry,
        ecrRepositoryPrefix,
        upstreamRegistryUrl,
        kind,
      },
      { credentialArn, customRoleArn, upstreamRepositoryPrefix },
    );
    const rules = this.#rulesOf(targetRegistry);
    if (rules.has(ecrRepositoryPrefix)) {
      throw new EcrError(
        "PullThroughCacheRuleAlreadyExistsException",
        `A pull through cache rule with these settings already exists for the private registry with id '${targetRegistry}'.`,
      );
    }
    if (rules.size >= MAX_RULES_PER_REGISTRY) {
      throw new EcrError(
        "LimitExceededException",
        `The maximum number of pull through cache rules (${MAX_RULES_PER_REGISTRY}) has been reached for the registry with id '${targetRegistry}'.`,
      );
    }

    const rule = this.#store(rules, {
      registryId: targetRegistry,
      ecrRepositoryPrefix,
      upstreamRegistryUrl,
      upstreamRegistry: kind.registry,
      credentialArn,
      customRoleArn,
      upstreamRepositoryPrefix,
    });
    return { ...ruleFields(rule), upstreamRegistry: rule.upstreamRegistry };
  }

  #describe(body: JsonObject): JsonObject {
    const registryId = readString(body, "registryId");
    const prefixes = readStringList(body, "ecrRepositoryPrefixes");
    const nextToken = readString(body, "nextToken");
    const maxResults = readInteger(body, "maxResults");

    const violations = new Violations();
    checkString(violations, "registryId", registryId, { pattern: REGISTRY_ID });
    if (prefixes !== undefined) {
      if (prefixes.length < 1) {
        violations.add(
          prefixes,
          "ecrRepositoryPrefixes",
          "Member must have length greater than or equal to 1",
        );
      } else if (prefixes.length > 100) {
        violations.add(
          prefixes,
          "ecrRepositoryPrefixes",
          "Member must have length less than or equal to 100",
        );
      }
      prefixes.forEach((prefix, index) => {
        checkString(
          violations,
          `ecrRepositoryPrefixes.${index + 1}.member`,
          prefix,
          PREFIX_CONSTRAINTS,
        );
      });
    }
    checkRange(violations, "maxResults", maxResults, 1, 1000);
    violations.throwIfAny();

    const targetRegistry = registryId ?? this.#defaultRegistryId;
    const rules = this.#registries.get(targetRegistry) ?? new Map<string, StoredRule>();
    const missing = prefixes?.find((prefix) => !rules.has(prefix));
    if (missing !== undefined) throw notFound(missing, targetRegistry);

    const afterSeq = nextToken === undefined ? 0 : this.#tokens.read(nextToken, targetRegistry);
    const wanted = prefixes === undefined ? undefined : new Set(prefixes);
    const remaining = [...rules.values()].filter(
      (rule) =>
        rule.seq > afterSeq && (wanted === undefined || wanted.has(rule.ecrRepositoryPrefix)),
    );
    const page = remaining.slice(0, maxResults ?? DEFAULT_PAGE_SIZE);
    const last = page.at(-1);
    return {
      pullThroughCacheRules: page.map(describeRule),
      nextToken:
        last !== undefined && remaining.length > page.length
          ? this.#tokens.issue(targetRegistry, last.seq)
          : undefined,
    };
  }

  /**
   * Finds the rule a request names, after ECR's checks of the request: `checkMore` adds the
   * operation's own constraints, so that one ValidationException reports every violation.
   */
  #findRule(body: JsonObject, checkMore?: (violations: Violations) => void): StoredRule {
    const prefix = readString(body, "ecrRepositoryPrefix");
    const registryId = readString(body, "registryId");
    const violations = new Violations();
    checkString(violations, "ecrRepositoryPrefix", prefix, {
      required: true,
      ...PREFIX_CONSTRAINTS,
    });
    checkString(violations, "registryId", registryId, { pattern: REGISTRY_ID });
    checkMore?.(violations);
    violations.throwIfAny();
    const ecrRepositoryPrefix = validated(prefix);
    const targetRegistry = registryId ?? this.#defaultRegistryId;
    const rule = this.#registries.get(targetRegistry)?.get(ecrRepositoryPrefix);
    if (rule === undefined) throw notFound(ecrRepositoryPrefix, targetRegistry);
    return rule;
  }

  #delete(body: JsonObject): JsonObject {
    const rule = this.#findRule(body);
    this.#registries.get(rule.registryId)?.delete(rule.ecrRepositoryPrefix);
    return ruleFields(rule);
  }

  #update(body: JsonObject): JsonObject {
    const credentialArn = readString(body, "credentialArn");
    const customRoleArn = readString(body, "customRoleArn");
    const rule = this.#findRule(body, (violations) => {
      checkString(violations, "credentialArn", credentialArn, CREDENTIAL_CONSTRAINTS);
      checkString(violations, "customRoleArn", customRoleArn, CUSTOM_ROLE_CONSTRAINTS);
    });
    const kind = classifyUpstream(rule.upstreamRegistryUrl);
    // Only seeded rules can have an upstream ECR does not support; nothing constrains them.
    if (kind !== undefined) {
      checkBinding(
        {
          operation: "update",
          registryId: rule.registryId,
          ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
          upstreamRegistryUrl: rule.upstreamRegistryUrl,
          kind,
        },
        { credentialArn, customRoleArn, upstreamRepositoryPrefix: undefined },
      );
    }
    // Members left out keep their value: ECR never takes a credential or a role away.
    const updated: StoredRule = {
      ...rule,
      credentialArn: credentialArn ?? rule.credentialArn,
      customRoleArn: customRoleArn ?? rule.customRoleArn,
      updatedAt: Date.now() / 1000,
    };
    this.#rulesOf(rule.registryId).set(rule.ecrRepositoryPrefix, updated);
    return {
      ecrRepositoryPrefix: updated.ecrRepositoryPrefix,
      registryId: updated.registryId,
      updatedAt: updated.updatedAt,
      credentialArn: updated.credentialArn,
      customRoleArn: updated.customRoleArn,
      upstreamRepositoryPrefix: updated.upstreamRepositoryPrefix,
    };
  }

  #validate(body: JsonObject): JsonObject {
    const rule = this.#findRule(body);
    const forced = this.#outcomes.find(rule.registryId, rule.ecrRepositoryPrefix);
    const failure = forced === undefined ? knownFailure(rule) : forced.failure;
    return {
      ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
      registryId: rule.registryId,
      upstreamRegistryUrl: rule.upstreamRegistryUrl,
      credentialArn: rule.credentialArn,
      customRoleArn: rule.customRoleArn,
      upstreamRepositoryPrefix: rule.upstreamRepositoryPrefix,
      isValid: forced?.isValid ?? failure === undefined,
      failure,
    };
  }
}
