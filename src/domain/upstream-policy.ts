import type { CacheRuleSpec, RuleBinding } from "./cache-rule.js";

/** One allowed upstream registry, as the org allowlist declares it. */
export interface UpstreamEntry {
  /** Canonical host: the value sent to ECR. */
  readonly url: string;
  /** Other spellings accepted from callers; canonicalised hosts. */
  readonly aliases: readonly string[];
  /** When present, only these registries may use the upstream. */
  readonly registryIds?: readonly string[];
  /** ECR's `upstreamRegistry` value, when the entry names one. */
  readonly upstreamRegistry?: string;
  /** Secrets Manager ARN template with `{registryId}` and `{region}` placeholders. */
  readonly credentialArn?: string;
  /** IAM role ARN template (`{registryId}`) that ECR assumes for an ECR upstream (§8). */
  readonly customRoleArn?: string;
  /** Upstream repository prefixes callers may ask for (§8); absent: only `ROOT`. */
  readonly upstreamRepositoryPrefixes?: readonly string[];
}

/** One onboarded registry (contract §7). */
export interface RegistryEntry {
  readonly id: string;
  /** Assumed for every ECR call on this registry; absent: the function's own credentials. */
  readonly roleArn?: string;
  /** Accounts whose principals may act on it. */
  readonly callers: readonly string[];
}

/** The org allowlist, validated. */
export interface UpstreamPolicy {
  readonly version: 1;
  readonly upstreams: readonly UpstreamEntry[];
  /** Absent: every registry is served with the function's own credentials, for any caller. */
  readonly registries?: readonly RegistryEntry[];
}

export type CanonicalisationResult =
  | { readonly ok: true; readonly host: string }
  | { readonly ok: false; readonly reason: string };

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const HTTPS_PREFIX = /^https:\/\//i;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_HOST_LENGTH = 253;

/**
 * Turns a caller's `upstreamRegistryUrl` into a plain, lower-case DNS host name, or says why it
 * cannot. Deliberately no URL parser: `new URL()` accepts user info, ports, backslashes,
 * percent-encoding and IDN forms that must all be refused here.
 *
 * Steps: reject anything but printable ASCII (before any case folding, so the Kelvin sign
 * cannot become `k`); drop one optional `https://` and one optional trailing `/`; lower-case;
 * require labels of `a-z 0-9 -` (1 to 63, not starting or ending with `-`), at most 253 in all.
 */
export const canonicaliseUpstream = (raw: string): CanonicalisationResult => {
  if (!PRINTABLE_ASCII.test(raw)) {
    return { ok: false, reason: "must contain only printable ASCII characters" };
  }
  let host = raw.replace(HTTPS_PREFIX, "");
  if (host.endsWith("/")) host = host.slice(0, -1);
  host = host.toLowerCase();
  if (host.length === 0) {
    return { ok: false, reason: "must name a registry host, such as public.ecr.aws" };
  }
  if (host.length > MAX_HOST_LENGTH) {
    return { ok: false, reason: `must be a host name of at most ${MAX_HOST_LENGTH} characters` };
  }
  if (!host.split(".").every((label) => DNS_LABEL.test(label))) {
    return {
      ok: false,
      reason:
        "must be a plain host name (optionally with https://), without path, port, user info, query or other scheme",
    };
  }
  return { ok: true, host };
};

export type PolicyVerdict =
  | { readonly allowed: true; readonly entry: UpstreamEntry }
  | { readonly allowed: false; readonly reason: "not-on-allowlist" | "not-for-registry" };

/** Finds the entry that admits `host` for `registryId`. `host` must be canonical. */
export const judgeUpstream = (
  policy: UpstreamPolicy,
  registryId: string,
  host: string,
): PolicyVerdict => {
  const entry = policy.upstreams.find((e) => e.url === host || e.aliases.includes(host));
  if (entry === undefined) return { allowed: false, reason: "not-on-allowlist" };
  if (entry.registryIds !== undefined && !entry.registryIds.includes(registryId)) {
    return { allowed: false, reason: "not-for-registry" };
  }
  return { allowed: true, entry };
};

/** Fills an ARN template's `{registryId}` and `{region}` placeholders. */
export const fillTemplate = (template: string, registryId: string, region: string): string =>
  template.replaceAll("{registryId}", registryId).replaceAll("{region}", region);

/** The root of an upstream registry: what ECR means when a rule names no upstream prefix. */
export const ROOT_PREFIX = "ROOT";

/** What the policy binds today to a rule of `entry` in `registryId`: credential and role. */
export const bindingFor = (
  entry: UpstreamEntry,
  registryId: string,
  region: string,
): Pick<RuleBinding, "credentialArn" | "customRoleArn"> => ({
  ...(entry.credentialArn === undefined
    ? {}
    : { credentialArn: fillTemplate(entry.credentialArn, registryId, region) }),
  ...(entry.customRoleArn === undefined
    ? {}
    : { customRoleArn: fillTemplate(entry.customRoleArn, registryId, region) }),
});

/** Whether the entry lets a rule cache `upstreamRepositoryPrefix` (absent counts as `ROOT`). */
export const allowsUpstreamPrefix = (
  entry: UpstreamEntry,
  upstreamRepositoryPrefix: string | undefined,
): boolean =>
  (entry.upstreamRepositoryPrefixes ?? [ROOT_PREFIX]).includes(
    upstreamRepositoryPrefix ?? ROOT_PREFIX,
  );

/** What ECR is asked to create for an admitted entry: canonical values only. */
export const specFor = (
  entry: UpstreamEntry,
  registryId: string,
  ecrRepositoryPrefix: string,
  region: string,
  upstreamRepositoryPrefix?: string,
): CacheRuleSpec => ({
  registryId,
  ecrRepositoryPrefix,
  upstreamRegistryUrl: entry.url,
  ...(entry.upstreamRegistry === undefined ? {} : { upstreamRegistry: entry.upstreamRegistry }),
  ...bindingFor(entry, registryId, region),
  ...(upstreamRepositoryPrefix === undefined ? {} : { upstreamRepositoryPrefix }),
});
