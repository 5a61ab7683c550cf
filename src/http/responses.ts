import type { CacheRule, CacheRuleKey } from "../domain/cache-rule.js";
import type { ApiEvent, ApiResult } from "./api-event.js";
import type { CacheRuleBody } from "./response-schemas.js";

/**
 * The public shape of a rule (contract §1, §6): `credentialArn`, `customRoleArn`,
 * `upstreamRegistry` and `upstreamRepositoryPrefix` only for a rule with a credential or a
 * role; `updatedAt` when ECR has one, except on a create's answer (exactly four fields).
 */
export const cacheRuleBody = (
  rule: CacheRule,
  { withUpdatedAt = true }: { withUpdatedAt?: boolean } = {},
): CacheRuleBody => ({
  registryId: rule.registryId,
  ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
  upstreamRegistryUrl: rule.upstreamRegistryUrl,
  createdAt: rule.createdAt.toISOString(),
  ...(withUpdatedAt && rule.updatedAt !== undefined
    ? { updatedAt: rule.updatedAt.toISOString() }
    : {}),
  ...(rule.credentialArn === undefined && rule.customRoleArn === undefined
    ? {}
    : {
        ...(rule.credentialArn === undefined ? {} : { credentialArn: rule.credentialArn }),
        ...(rule.customRoleArn === undefined ? {} : { customRoleArn: rule.customRoleArn }),
        ...(rule.upstreamRegistry === undefined ? {} : { upstreamRegistry: rule.upstreamRegistry }),
        ...(rule.upstreamRepositoryPrefix === undefined
          ? {}
          : { upstreamRepositoryPrefix: rule.upstreamRepositoryPrefix }),
      }),
});

/**
 * The part of the path the caller addressed in front of the API's own routes: the stage
 * (`/prod`) on an execute-api endpoint, the base path on a custom domain, nothing locally.
 * API Gateway gives the full path in `requestContext.path` and the route's path in `path`.
 */
export const basePathOf = (event: ApiEvent): string => {
  const full: unknown = event.requestContext?.path;
  if (typeof full !== "string" || !full.endsWith(event.path)) return "";
  const base = full.slice(0, full.length - event.path.length);
  return /^(?:\/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)*$/.test(base) ? base : "";
};

/** Where a rule is read: its `GET`, behind the base path the caller used. */
export const cacheRuleLocation = (event: ApiEvent, key: CacheRuleKey): string =>
  `${basePathOf(event)}/registries/${key.registryId}/cache-rules/${encodeURIComponent(key.ecrRepositoryPrefix)}`;

export const jsonResponse = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): ApiResult => ({
  statusCode,
  headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
  body: JSON.stringify(body),
});
