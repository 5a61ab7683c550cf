import type { UpstreamPolicy } from "./upstream-policy.js";

/** What a registry may use, as callers may see it: no secret or role ARN. */
export interface UpstreamView {
  readonly url: string;
  readonly aliases: readonly string[];
  readonly upstreamRegistry?: string;
  /** The policy binds a credential or a role: ECR logs in upstream with it. */
  readonly requiresCredential: boolean;
  readonly upstreamRepositoryPrefixes?: readonly string[];
}

/** The entries `registryId` may use, in policy order (contract §6.3). */
export const listUpstreams = (policy: UpstreamPolicy, registryId: string): UpstreamView[] =>
  policy.upstreams
    .filter((entry) => entry.registryIds === undefined || entry.registryIds.includes(registryId))
    .map((entry) => ({
      url: entry.url,
      aliases: entry.aliases,
      ...(entry.upstreamRegistry === undefined ? {} : { upstreamRegistry: entry.upstreamRegistry }),
      requiresCredential: entry.credentialArn !== undefined || entry.customRoleArn !== undefined,
      ...(entry.upstreamRepositoryPrefixes === undefined
        ? {}
        : { upstreamRepositoryPrefixes: entry.upstreamRepositoryPrefixes }),
    }));
