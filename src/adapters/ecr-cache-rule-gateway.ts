import {
  CreatePullThroughCacheRuleCommand,
  DeletePullThroughCacheRuleCommand,
  DescribePullThroughCacheRulesCommand,
  type ECRClient,
  type PullThroughCacheRule,
  UpdatePullThroughCacheRuleCommand,
  UpstreamRegistry,
  ValidatePullThroughCacheRuleCommand,
} from "@aws-sdk/client-ecr";
import type {
  CacheRule,
  CacheRuleGateway,
  CacheRuleKey,
  CacheRulePage,
  CacheRuleSpec,
  CredentialUpdate,
  PageRequest,
  RuleValidation,
  UpdatedRule,
} from "../domain/cache-rule.js";
import { DomainError } from "../domain/errors.js";
import type { RequestContext } from "../domain/request-context.js";
import { withinDeadline } from "./aws-deadline.js";
import { translateEcrError } from "./ecr-errors.js";

const UPSTREAM_REGISTRIES: readonly string[] = Object.values(UpstreamRegistry);
const isUpstreamRegistry = (value: string): value is UpstreamRegistry =>
  UPSTREAM_REGISTRIES.includes(value);

const malformedAnswer = (what: string): DomainError =>
  new DomainError("ecr-unavailable", `ECR's answer had no valid ${what}.`);

/** A timestamp the SDK parsed from ECR's answer; `1e300` parses to an Invalid Date. */
const validDate = (value: Date | undefined, what: string): Date | undefined => {
  if (value === undefined) return undefined;
  // A Date past ±8.64e15 ms is an Invalid Date too, so this also keeps toISOString() safe.
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw malformedAnswer(what);
  return value;
};

type RuleShape = Omit<PullThroughCacheRule, "updatedAt" | "createdAt"> & {
  createdAt?: Date | undefined;
  updatedAt?: Date | undefined;
};

/** Maps ECR's rule shape to the domain's, refusing answers that lack what the contract needs. */
const toCacheRule = (rule: RuleShape, fallback: CacheRuleKey): CacheRule => {
  const createdAt = validDate(rule.createdAt, "createdAt");
  const updatedAt = validDate(rule.updatedAt, "updatedAt");
  if (createdAt === undefined) throw malformedAnswer("createdAt");
  if (rule.upstreamRegistryUrl === undefined) throw malformedAnswer("upstreamRegistryUrl");
  return {
    registryId: rule.registryId ?? fallback.registryId,
    ecrRepositoryPrefix: rule.ecrRepositoryPrefix ?? fallback.ecrRepositoryPrefix,
    upstreamRegistryUrl: rule.upstreamRegistryUrl,
    createdAt,
    ...(updatedAt === undefined ? {} : { updatedAt }),
    ...(rule.credentialArn === undefined ? {} : { credentialArn: rule.credentialArn }),
    ...(rule.customRoleArn === undefined ? {} : { customRoleArn: rule.customRoleArn }),
    ...(rule.upstreamRegistry === undefined ? {} : { upstreamRegistry: rule.upstreamRegistry }),
    ...(rule.upstreamRepositoryPrefix === undefined
      ? {}
      : { upstreamRepositoryPrefix: rule.upstreamRepositoryPrefix }),
  };
};

const notFound = (key: CacheRuleKey): DomainError =>
  new DomainError(
    "rule-not-found",
    `No pull through cache rule with prefix '${key.ecrRepositoryPrefix}' exists in registry ${key.registryId}.`,
    { ecrCode: "PullThroughCacheRuleNotFoundException" },
  );

/** Picks the client a request's ECR calls go through: the function's own, or a role's. */
export type EcrClientFor = (context: RequestContext) => ECRClient | Promise<ECRClient>;

/**
 * The ECR side of {@link CacheRuleGateway}. Every call runs inside its request's one deadline,
 * and every failure leaves as a {@link DomainError} with the SDK error as `cause`.
 */
export class EcrCacheRuleGateway implements CacheRuleGateway {
  readonly #clientFor: EcrClientFor;

  /** `client`: one client for every request, or a function choosing one per request. */
  constructor(client: ECRClient | EcrClientFor) {
    this.#clientFor = typeof client === "function" ? client : () => client;
  }

  async create(context: RequestContext, spec: CacheRuleSpec): Promise<CacheRule> {
    const { upstreamRegistry, credentialArn, customRoleArn, upstreamRepositoryPrefix } = spec;
    const output = await this.#send(context, (client, abortSignal) =>
      client.send(
        new CreatePullThroughCacheRuleCommand({
          registryId: spec.registryId,
          ecrRepositoryPrefix: spec.ecrRepositoryPrefix,
          upstreamRegistryUrl: spec.upstreamRegistryUrl,
          ...(upstreamRegistry !== undefined && isUpstreamRegistry(upstreamRegistry)
            ? { upstreamRegistry }
            : {}),
          ...(credentialArn === undefined ? {} : { credentialArn }),
          ...(customRoleArn === undefined ? {} : { customRoleArn }),
          ...(upstreamRepositoryPrefix === undefined ? {} : { upstreamRepositoryPrefix }),
        }),
        { abortSignal },
      ),
    );
    return toCacheRule(output, spec);
  }

  async describe(context: RequestContext, key: CacheRuleKey): Promise<CacheRule> {
    const output = await this.#send(context, (client, abortSignal) =>
      client.send(
        new DescribePullThroughCacheRulesCommand({
          registryId: key.registryId,
          ecrRepositoryPrefixes: [key.ecrRepositoryPrefix],
        }),
        { abortSignal },
      ),
    );
    const rule = output.pullThroughCacheRules?.find(
      (r) => r.ecrRepositoryPrefix === key.ecrRepositoryPrefix,
    );
    if (rule === undefined) throw notFound(key);
    return toCacheRule(rule, key);
  }

  async list(
    context: RequestContext,
    registryId: string,
    page: PageRequest,
  ): Promise<CacheRulePage> {
    const output = await this.#send(context, (client, abortSignal) =>
      client.send(
        new DescribePullThroughCacheRulesCommand({
          registryId,
          maxResults: page.limit,
          ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
        }),
        { abortSignal },
      ),
    );
    const rules = (output.pullThroughCacheRules ?? []).map((rule) =>
      toCacheRule(rule, { registryId, ecrRepositoryPrefix: rule.ecrRepositoryPrefix ?? "" }),
    );
    // An empty token is no token: a page that says "more" with nothing to ask for is the last.
    return output.nextToken === undefined || output.nextToken === ""
      ? { rules }
      : { rules, nextToken: output.nextToken };
  }

  async delete(context: RequestContext, key: CacheRuleKey): Promise<CacheRule> {
    const output = await this.#send(context, (client, abortSignal) =>
      client.send(
        new DeletePullThroughCacheRuleCommand({
          registryId: key.registryId,
          ecrRepositoryPrefix: key.ecrRepositoryPrefix,
        }),
        { abortSignal },
      ),
    );
    return toCacheRule(output, key);
  }

  async update(context: RequestContext, update: CredentialUpdate): Promise<UpdatedRule> {
    const { credentialArn, customRoleArn } = update;
    const output = await this.#send(context, (client, abortSignal) =>
      client.send(
        new UpdatePullThroughCacheRuleCommand({
          registryId: update.registryId,
          ecrRepositoryPrefix: update.ecrRepositoryPrefix,
          ...(credentialArn === undefined ? {} : { credentialArn }),
          ...(customRoleArn === undefined ? {} : { customRoleArn }),
        }),
        { abortSignal },
      ),
    );
    const updatedAt = validDate(output.updatedAt, "updatedAt");
    return {
      registryId: output.registryId ?? update.registryId,
      ecrRepositoryPrefix: output.ecrRepositoryPrefix ?? update.ecrRepositoryPrefix,
      ...(output.credentialArn === undefined ? {} : { credentialArn: output.credentialArn }),
      ...(output.customRoleArn === undefined ? {} : { customRoleArn: output.customRoleArn }),
      ...(updatedAt === undefined ? {} : { updatedAt }),
    };
  }

  async validate(context: RequestContext, key: CacheRuleKey): Promise<RuleValidation> {
    const output = await this.#send(context, (client, abortSignal) =>
      client.send(
        new ValidatePullThroughCacheRuleCommand({
          registryId: key.registryId,
          ecrRepositoryPrefix: key.ecrRepositoryPrefix,
        }),
        { abortSignal },
      ),
    );
    if (output.isValid === undefined) throw malformedAnswer("isValid");
    if (output.upstreamRegistryUrl === undefined) throw malformedAnswer("upstreamRegistryUrl");
    return {
      registryId: output.registryId ?? key.registryId,
      ecrRepositoryPrefix: output.ecrRepositoryPrefix ?? key.ecrRepositoryPrefix,
      upstreamRegistryUrl: output.upstreamRegistryUrl,
      isValid: output.isValid,
      ...(output.failure === undefined || output.failure === "" ? {} : { failure: output.failure }),
    };
  }

  /**
   * Sends one command inside the request's deadline. The client comes first: a role's session
   * keeps to the same deadline itself, and answers its own failures (`AssumeRoleFailed`).
   */
  async #send<T>(
    context: RequestContext,
    call: (client: ECRClient, abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const client = await this.#clientFor(context);
    return withinDeadline(
      context.deadline,
      (abortSignal) => call(client, abortSignal),
      translateEcrError,
    );
  }
}
