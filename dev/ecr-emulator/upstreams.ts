import { UpstreamRegistry as UpstreamRegistryEnum } from "@aws-sdk/client-ecr";
import { EcrError, IAM_ROLE_ARN } from "./validation.js";

/** ECR's names for upstream registries: the SDK model's enum, one list for service and emulator. */
export const UPSTREAM_REGISTRIES: readonly string[] = Object.values(UpstreamRegistryEnum);

/** What ECR knows about an upstream registry URL. */
export interface UpstreamKind {
  readonly registry: UpstreamRegistryEnum;
  /** ECR refuses a rule for these upstreams without a Secrets Manager credential. */
  readonly requiresCredential: boolean;
}

const KNOWN_HOSTS: ReadonlyMap<string, UpstreamKind> = new Map<string, UpstreamKind>([
  ["public.ecr.aws", { registry: "ecr-public", requiresCredential: false }],
  ["registry.k8s.io", { registry: "k8s", requiresCredential: false }],
  ["quay.io", { registry: "quay", requiresCredential: false }],
  ["registry-1.docker.io", { registry: "docker-hub", requiresCredential: true }],
  ["ghcr.io", { registry: "github-container-registry", requiresCredential: true }],
  ["registry.gitlab.com", { registry: "gitlab-container-registry", requiresCredential: true }],
  ["cgr.dev", { registry: "chainguard", requiresCredential: false }],
]);

const AZURE_HOST = /^[a-z0-9]+\.azurecr\.io$/;
const PRIVATE_ECR_HOST = /^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$/;

/** Classifies an upstream registry URL the way ECR does; `undefined` for an unsupported one. */
export const classifyUpstream = (url: string): UpstreamKind | undefined => {
  const known = KNOWN_HOSTS.get(url);
  if (known !== undefined) return known;
  if (AZURE_HOST.test(url))
    return { registry: "azure-container-registry", requiresCredential: true };
  if (PRIVATE_ECR_HOST.test(url)) return { registry: "ecr", requiresCredential: false };
  return undefined;
};

/** What a create or an update asks to attach to a rule. */
export interface Binding {
  readonly credentialArn: string | undefined;
  readonly customRoleArn: string | undefined;
  /** Only a create can set it; an update never carries one. */
  readonly upstreamRepositoryPrefix: string | undefined;
}

/** The rule a binding is checked against. */
export interface BindingTarget {
  readonly operation: "create" | "update";
  readonly registryId: string;
  readonly ecrRepositoryPrefix: string;
  readonly upstreamRegistryUrl: string;
  readonly kind: UpstreamKind;
}

// ECR's wording for parameter errors it finds beyond the request validator's constraints.
const invalidParameter = (member: string, reason: string): EcrError =>
  new EcrError(
    "InvalidParameterException",
    `Invalid parameter at '${member}' failed to satisfy constraint: '${reason}'`,
  );

const checkEcrUpstream = (target: BindingTarget, binding: Binding): void => {
  const { credentialArn, customRoleArn, upstreamRepositoryPrefix } = binding;
  if (credentialArn !== undefined) {
    throw invalidParameter(
      "credentialArn",
      `A credentialArn is not supported for the ecr upstream registry ${target.upstreamRegistryUrl}; use a customRoleArn.`,
    );
  }
  if (customRoleArn === undefined) {
    throw invalidParameter(
      "customRoleArn",
      `A customRoleArn is required for the ecr upstream registry ${target.upstreamRegistryUrl}.`,
    );
  }
  const roleAccount = IAM_ROLE_ARN.exec(customRoleArn)?.[1];
  if (roleAccount === undefined) {
    throw invalidParameter(
      "customRoleArn",
      `The customRoleArn ${customRoleArn} is not a valid IAM role ARN.`,
    );
  }
  // ECR assumes the role from the cache registry's account, so it must live there.
  if (roleAccount !== target.registryId) {
    throw invalidParameter(
      "customRoleArn",
      `The customRoleArn ${customRoleArn} must be an IAM role in the account of the registry with id '${target.registryId}'.`,
    );
  }
  if (
    target.ecrRepositoryPrefix === "ROOT" &&
    upstreamRepositoryPrefix !== undefined &&
    upstreamRepositoryPrefix !== "ROOT"
  ) {
    throw invalidParameter(
      "upstreamRepositoryPrefix",
      "An upstreamRepositoryPrefix other than ROOT can only be set when the ecrRepositoryPrefix is not ROOT.",
    );
  }
};

const checkOtherUpstream = (target: BindingTarget, binding: Binding): void => {
  const { upstreamRegistryUrl, kind, operation } = target;
  if (binding.customRoleArn !== undefined) {
    throw invalidParameter(
      "customRoleArn",
      `A customRoleArn is only supported for an ecr upstream registry, not for ${upstreamRegistryUrl}.`,
    );
  }
  if (binding.upstreamRepositoryPrefix !== undefined) {
    throw invalidParameter(
      "upstreamRepositoryPrefix",
      `An upstreamRepositoryPrefix is only supported for an ecr upstream registry, not for ${upstreamRegistryUrl}.`,
    );
  }
  if (binding.credentialArn !== undefined) return;
  if (operation === "create") {
    if (!kind.requiresCredential) return;
    throw new EcrError(
      "UnsupportedUpstreamRegistryException",
      `The upstream registry ${upstreamRegistryUrl} requires authentication. A credentialArn must be supplied to create a pull through cache rule for it.`,
    );
  }
  // UpdatePullThroughCacheRule does not model UnsupportedUpstreamRegistryException, and a
  // credential is the only thing an update can change on these rules.
  throw invalidParameter(
    "credentialArn",
    kind.requiresCredential
      ? `The upstream registry ${upstreamRegistryUrl} requires authentication. A credentialArn must be supplied to update a pull through cache rule for it.`
      : `A credentialArn is required to update a pull through cache rule for the upstream registry ${upstreamRegistryUrl}.`,
  );
};

/**
 * Applies ECR's rules on what a rule may carry for its upstream: an ECR upstream takes a
 * custom role in the registry's own account, no credential, and optionally an upstream
 * repository prefix; every other upstream takes neither role nor upstream prefix, and those
 * that require authentication need a credential. Throws the {@link EcrError} ECR answers.
 */
export const checkBinding = (target: BindingTarget, binding: Binding): void => {
  if (target.kind.registry === "ecr") {
    checkEcrUpstream(target, binding);
  } else {
    checkOtherUpstream(target, binding);
  }
};
