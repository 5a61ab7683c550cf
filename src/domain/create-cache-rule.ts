import { type AdmissionDeps, admitCreate, type CreateCacheRuleCommand } from "./admission.js";
import type { AuditTrail } from "./audit-trail.js";
import type { CacheRule, CacheRuleGateway, CacheRuleSpec } from "./cache-rule.js";
import { isSameRule, isSameUpstream } from "./compliance.js";
import { DomainError, isDomainError } from "./errors.js";
import { type RequestContext, remainingMs } from "./request-context.js";
import { explainSecretError } from "./secret-errors.js";

export type { CreateCacheRuleCommand } from "./admission.js";

/** ECR's check of a new rule's credential or role; `isValid: null` when it could not run. */
export interface ValidationOutcome {
  readonly isValid: boolean | null;
  readonly failure?: string;
}

export type CreateCacheRuleOutcome =
  | {
      readonly status: "created";
      readonly rule: CacheRule;
      readonly validation?: ValidationOutcome;
    }
  | { readonly status: "existing"; readonly rule: CacheRule };

export interface CreateCacheRuleDeps extends AdmissionDeps {
  readonly gateway: CacheRuleGateway;
}

/** Less than this left of the deadline, and the post-create validation is not even tried. */
export const MIN_VALIDATION_MS = 300;

const binds = (spec: CacheRuleSpec): boolean =>
  spec.credentialArn !== undefined || spec.customRoleArn !== undefined;

/** Where a rule that differs only in credential or role is fixed (contract §6.5). */
const syncPath = (spec: CacheRuleSpec): string =>
  `POST /registries/${spec.registryId}/cache-rules/${spec.ecrRepositoryPrefix}/sync`;

/**
 * Creates a pull through cache rule, safely and idempotently.
 *
 * 1. Admit the request (canonical upstream, allowlist, upstream prefix): see {@link admitCreate}.
 * 2. Ask ECR to create the rule with the entry's canonical values only.
 * 3. If ECR says the prefix is taken, read the rule: the very rule this request would make is
 *    a retry of an earlier success (`existing`); anything else, or a rule that vanished
 *    meanwhile, is a conflict.
 * 4. A new rule with a credential or role is checked with ECR's validation, inside what is left
 *    of the deadline; a failure there never undoes the create.
 */
export const makeCreateCacheRule = (deps: CreateCacheRuleDeps) => {
  const { gateway, policy } = deps;

  const validate = async (context: RequestContext, rule: CacheRule): Promise<ValidationOutcome> => {
    if (remainingMs(context.deadline) < MIN_VALIDATION_MS) {
      return {
        isValid: null,
        failure: `The rule was created, but no time was left to check it: GET /registries/${rule.registryId}/cache-rules/${rule.ecrRepositoryPrefix}/validation checks it.`,
      };
    }
    try {
      const result = await gateway.validate(context, rule);
      return {
        isValid: result.isValid,
        ...(result.failure === undefined ? {} : { failure: result.failure }),
      };
    } catch (error) {
      // The rule stands whatever went wrong here: never a 5xx for a rule that was created.
      const why = error instanceof DomainError ? (error.ecrCode ?? error.kind) : "internal error";
      return {
        isValid: null,
        failure: `The rule was created, but ECR could not check it (${why}): GET /registries/${rule.registryId}/cache-rules/${rule.ecrRepositoryPrefix}/validation tries again.`,
      };
    }
  };

  const resolveConflict = async (
    context: RequestContext,
    spec: CacheRuleSpec,
    conflict: DomainError,
  ): Promise<CreateCacheRuleOutcome> => {
    let existing: CacheRule;
    try {
      existing = await gateway.describe(context, spec);
    } catch (error) {
      // Deleted between the two calls: report the conflict ECR gave, not a confusing 404.
      if (isDomainError(error, "rule-not-found")) throw conflict;
      throw error;
    }
    if (isSameRule(policy, existing, spec)) return { status: "existing", rule: existing };
    const where = `Prefix '${spec.ecrRepositoryPrefix}' in registry ${spec.registryId}`;
    const detail = isSameUpstream(policy, existing, spec)
      ? `${where} already holds a rule for '${spec.upstreamRegistryUrl}', but with another credential or role than the policy binds today: ${syncPath(spec)} brings it in line.`
      : `${where} already holds a rule for upstream '${existing.upstreamRegistryUrl}'${existing.upstreamRepositoryPrefix === undefined ? "" : ` (upstream prefix '${existing.upstreamRepositoryPrefix}')`}, not for '${spec.upstreamRegistryUrl}': delete it first or choose another prefix.`;
    throw new DomainError(
      "rule-conflict",
      `${detail} (ECR refused the create: "${conflict.message}")`,
      {
        ecrCode: conflict.ecrCode,
        cause: conflict,
      },
    );
  };

  return async (
    context: RequestContext,
    command: CreateCacheRuleCommand,
    trail: AuditTrail,
  ): Promise<CreateCacheRuleOutcome> => {
    const spec = admitCreate(deps, command, trail);
    let rule: CacheRule;
    try {
      rule = await gateway.create(context, spec);
    } catch (error) {
      if (!isDomainError(error, "rule-conflict"))
        throw explainSecretError(error, spec.credentialArn);
      return resolveConflict(context, spec, error);
    }
    if (!binds(spec)) return { status: "created", rule };
    return { status: "created", rule, validation: await validate(context, rule) };
  };
};
