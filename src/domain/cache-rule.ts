/** A pull through cache rule as ECR holds it. */
export interface CacheRule {
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
  readonly upstreamRegistryUrl: string;
  readonly createdAt: Date;
  readonly updatedAt?: Date;
  readonly credentialArn?: string;
  readonly upstreamRegistry?: string;
}

/** Exactly what the service asks ECR to create, after validation and the policy gate. */
export interface CacheRuleSpec {
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
  /** The allowlist entry's canonical host, never the caller's spelling. */
  readonly upstreamRegistryUrl: string;
  readonly upstreamRegistry?: string;
  readonly credentialArn?: string;
}

/** Identifies one rule. */
export interface CacheRuleKey {
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
}

/** The port to ECR. Adapters translate every failure into a {@link DomainError}. */
export interface CacheRuleGateway {
  create(spec: CacheRuleSpec): Promise<CacheRule>;
  describe(key: CacheRuleKey): Promise<CacheRule>;
}
