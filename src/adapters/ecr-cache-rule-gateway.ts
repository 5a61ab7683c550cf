import {
  CreatePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  type ECRClient,
  type PullThroughCacheRule,
  UpstreamRegistry,
} from "@aws-sdk/client-ecr";
import type {
  CacheRule,
  CacheRuleGateway,
  CacheRuleKey,
  CacheRuleSpec,
} from "../domain/cache-rule.js";
import { DomainError } from "../domain/errors.js";
import { translateEcrError } from "./ecr-errors.js";

export interface EcrGatewayOptions {
  /** One deadline for all attempts of one call, in milliseconds. */
  readonly deadlineMs: number;
}

const UPSTREAM_REGISTRIES: readonly string[] = Object.values(UpstreamRegistry);
const isUpstreamRegistry = (value: string): value is UpstreamRegistry =>
  UPSTREAM_REGISTRIES.includes(value);

const malformedAnswer = (what: string): DomainError =>
  new DomainError("ecr-unavailable", "EcrUnavailable", `ECR's answer had no ${what}.`);

/** Maps ECR's rule shape to the domain's, refusing answers that lack what the contract needs. */
const toCacheRule = (
  rule: Omit<PullThroughCacheRule, "updatedAt"> & { updatedAt?: Date | undefined },
  fallback: CacheRuleKey,
): CacheRule => {
  if (rule.createdAt === undefined) throw malformedAnswer("createdAt");
  if (rule.upstreamRegistryUrl === undefined) throw malformedAnswer("upstreamRegistryUrl");
  return {
    registryId: rule.registryId ?? fallback.registryId,
    ecrRepositoryPrefix: rule.ecrRepositoryPrefix ?? fallback.ecrRepositoryPrefix,
    upstreamRegistryUrl: rule.upstreamRegistryUrl,
    createdAt: rule.createdAt,
    ...(rule.updatedAt === undefined ? {} : { updatedAt: rule.updatedAt }),
    ...(rule.credentialArn === undefined ? {} : { credentialArn: rule.credentialArn }),
    ...(rule.upstreamRegistry === undefined ? {} : { upstreamRegistry: rule.upstreamRegistry }),
  };
};

/**
 * The ECR side of {@link CacheRuleGateway}. Every call runs under one deadline for all of its
 * attempts, and every failure leaves as a {@link DomainError} with the SDK error as `cause`.
 */
export class EcrCacheRuleGateway implements CacheRuleGateway {
  readonly #client: ECRClient;
  readonly #deadlineMs: number;

  constructor(client: ECRClient, { deadlineMs }: EcrGatewayOptions) {
    this.#client = client;
    this.#deadlineMs = deadlineMs;
  }

  async create(spec: CacheRuleSpec): Promise<CacheRule> {
    const { upstreamRegistry, credentialArn } = spec;
    const command = new CreatePullThroughCacheRuleCommand({
      registryId: spec.registryId,
      ecrRepositoryPrefix: spec.ecrRepositoryPrefix,
      upstreamRegistryUrl: spec.upstreamRegistryUrl,
      ...(upstreamRegistry !== undefined && isUpstreamRegistry(upstreamRegistry)
        ? { upstreamRegistry }
        : {}),
      ...(credentialArn === undefined ? {} : { credentialArn }),
    });
    const output = await this.#withDeadline((abortSignal) =>
      this.#client.send(command, { abortSignal }),
    );
    return toCacheRule(output, spec);
  }

  async describe(key: CacheRuleKey): Promise<CacheRule> {
    const command = new DescribePullThroughCacheRulesCommand({
      registryId: key.registryId,
      ecrRepositoryPrefixes: [key.ecrRepositoryPrefix],
    });
    const output = await this.#withDeadline((abortSignal) =>
      this.#client.send(command, { abortSignal }),
    );
    const rule = output.pullThroughCacheRules?.find(
      (r) => r.ecrRepositoryPrefix === key.ecrRepositoryPrefix,
    );
    if (rule === undefined) {
      throw new DomainError(
        "rule-not-found",
        "PullThroughCacheRuleNotFoundException",
        `No pull through cache rule with prefix '${key.ecrRepositoryPrefix}' exists in registry ${key.registryId}.`,
      );
    }
    return toCacheRule(rule, key);
  }

  async #withDeadline<T>(call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The SDK honours the signal between and during attempts; the race guarantees the deadline
    // even where it does not (credential resolution, a retry's back-off).
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new DomainError("ecr-timeout", "EcrTimeout", "ECR did not answer in time."));
      }, this.#deadlineMs);
    });
    try {
      return await Promise.race([call(controller.signal), deadline]);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw translateEcrError(error, controller.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }
}
