import type { CacheRule } from "../domain/cache-rule.js";
import type { ApiResult } from "./api-event.js";

/** The public shape of a rule (contract §1 and §1b). */
export interface CacheRuleBody {
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
  readonly upstreamRegistryUrl: string;
  readonly createdAt: string;
  readonly updatedAt?: string;
  readonly credentialArn?: string;
  readonly upstreamRegistry?: string;
}

/**
 * Exactly the contract's fields: `credentialArn` and `upstreamRegistry` only for a rule bound to a
 * credential, `updatedAt` only for reads.
 */
export const cacheRuleBody = (
  rule: CacheRule,
  { withUpdatedAt }: { withUpdatedAt: boolean },
): CacheRuleBody => ({
  registryId: rule.registryId,
  ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
  upstreamRegistryUrl: rule.upstreamRegistryUrl,
  createdAt: rule.createdAt.toISOString(),
  ...(withUpdatedAt && rule.updatedAt !== undefined
    ? { updatedAt: rule.updatedAt.toISOString() }
    : {}),
  ...(rule.credentialArn === undefined
    ? {}
    : {
        credentialArn: rule.credentialArn,
        ...(rule.upstreamRegistry === undefined ? {} : { upstreamRegistry: rule.upstreamRegistry }),
      }),
});

/** The path the `Location` header of a created rule names (its `GET`). */
export const cacheRuleLocation = (rule: CacheRule): string =>
  `/registries/${rule.registryId}/cache-rules/${encodeURIComponent(rule.ecrRepositoryPrefix)}`;

export const jsonResponse = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): ApiResult => ({
  statusCode,
  headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
  body: JSON.stringify(body),
});
