import type { RequestContext } from "./request-context.js";

/** What the policy binds to a rule besides its upstream: ECR cannot check these itself. */
export interface RuleBinding {
  /** Secrets Manager secret ECR logs in upstream with. */
  readonly credentialArn?: string;
  /** IAM role ECR assumes to pull from an upstream ECR registry (contract §8). */
  readonly customRoleArn?: string;
  /** Which part of an upstream ECR registry the rule caches; absent means `ROOT`. */
  readonly upstreamRepositoryPrefix?: string;
}

/** A pull through cache rule as ECR holds it. */
export interface CacheRule extends RuleBinding {
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
  readonly upstreamRegistryUrl: string;
  readonly createdAt: Date;
  readonly updatedAt?: Date;
  readonly upstreamRegistry?: string;
}

/** Exactly what the service asks ECR to create, after validation and the policy gate. */
export interface CacheRuleSpec extends RuleBinding {
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
  /** The allowlist entry's canonical host, never the caller's spelling. */
  readonly upstreamRegistryUrl: string;
  readonly upstreamRegistry?: string;
}

/** Identifies one rule. */
export interface CacheRuleKey {
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
}

/** One page of a registry's rules, in ECR's order. */
export interface CacheRulePage {
  readonly rules: readonly CacheRule[];
  /** ECR's own token for the next page; absent on the last page. */
  readonly nextToken?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly nextToken?: string;
}

/** The credential and role ECR is asked to put on an existing rule. */
export interface CredentialUpdate extends CacheRuleKey {
  readonly credentialArn?: string;
  readonly customRoleArn?: string;
}

/** What the rule's credential and upstream updates since creation; merged into the rule. */
export interface UpdatedRule extends CacheRuleKey {
  readonly credentialArn?: string;
  readonly customRoleArn?: string;
  readonly updatedAt?: Date;
}

/** ECR's verdict on whether a rule can reach its upstream with its credential. */
export interface RuleValidation extends CacheRuleKey {
  readonly upstreamRegistryUrl: string;
  readonly isValid: boolean;
  readonly failure?: string;
}

/**
 * The port to ECR. Every call runs inside the request's one deadline; adapters translate every
 * failure into a `DomainError`.
 */
export interface CacheRuleGateway {
  create(context: RequestContext, spec: CacheRuleSpec): Promise<CacheRule>;
  describe(context: RequestContext, key: CacheRuleKey): Promise<CacheRule>;
  list(context: RequestContext, registryId: string, page: PageRequest): Promise<CacheRulePage>;
  delete(context: RequestContext, key: CacheRuleKey): Promise<CacheRule>;
  update(context: RequestContext, update: CredentialUpdate): Promise<UpdatedRule>;
  validate(context: RequestContext, key: CacheRuleKey): Promise<RuleValidation>;
}

/** The most rules ECR holds per registry; not adjustable. */
export const RULES_PER_REGISTRY = 50;
