import { createHash } from "node:crypto";
import type { UpstreamPolicy } from "../domain/upstream-policy.js";
import type { PolicyWarning } from "./policy-schema.js";

/**
 * The policy as the build inlines it: already checked by the very code that checks
 * `POLICY_FILE` (a policy that fails it is never bundled), with a digest of exactly what was
 * checked.
 */
export interface BundledPolicy {
  readonly policy: UpstreamPolicy;
  readonly warnings: readonly PolicyWarning[];
  /** The policy file the build read, for the log. */
  readonly file: string;
  /** SHA-256 of the JSON of `policy` and `warnings`, as the build serialised them. */
  readonly digest: string;
}

/** Set by the build to a {@link BundledPolicy}; absent when running from source. */
declare const __BUNDLED_POLICY__: unknown;

/** The outcome of loading the policy at cold start: a broken policy is a state, not a crash. */
export type PolicyState =
  | {
      readonly ok: true;
      readonly policy: UpstreamPolicy;
      readonly source: string;
      /** What the policy check warns of (upstreams ECR will refuse), for the cold-start log. */
      readonly warnings?: readonly PolicyWarning[];
    }
  | { readonly ok: false; readonly error: Error; readonly source: string };

const digestOf = (policy: UpstreamPolicy, warnings: readonly PolicyWarning[]): string =>
  createHash("sha256").update(JSON.stringify({ policy, warnings })).digest("hex");

/** What the build inlines for a checked policy. */
export const bundledPolicyOf = (
  policy: UpstreamPolicy,
  warnings: readonly PolicyWarning[],
  file: string,
): BundledPolicy => ({ policy, warnings, file, digest: digestOf(policy, warnings) });

/**
 * The inlined policy, if it is exactly what the build checked: no schema work at cold start,
 * only the digest (the policy was validated by the build with the same code, and the build
 * refuses to bundle one that fails).
 */
export const verifyBundledPolicy = (bundled: unknown): PolicyState => {
  const source = "bundled policy";
  const { policy, warnings, file, digest } = Object(bundled) as Partial<BundledPolicy>;
  if (
    policy === undefined ||
    warnings === undefined ||
    digest === undefined ||
    digestOf(policy, warnings) !== digest
  ) {
    return {
      ok: false,
      error: new Error(
        "The bundled policy is not the one the build checked: rebuild the function.",
      ),
      source,
    };
  }
  return { ok: true, policy, source: `${source} (${String(file)})`, warnings };
};

/**
 * Loads the allowlist once: `policyFile` when given, else the copy the build inlined, else (from
 * source) the file in `policies/`. A file is checked in full (its loader and schema are loaded
 * only then, so a deployed cold start never loads them). Never throws, so that the function
 * still starts and answers every request with 503 instead of failing in a loop of init errors.
 */
export const loadPolicyState = async (policyFile: string | undefined): Promise<PolicyState> => {
  if (policyFile === undefined && typeof __BUNDLED_POLICY__ !== "undefined") {
    return verifyBundledPolicy(__BUNDLED_POLICY__);
  }
  const { checkPolicyFile, DEFAULT_POLICY_FILE } = await import("./policy-file.js");
  const file = policyFile ?? DEFAULT_POLICY_FILE;
  const source = typeof file === "string" ? file : file.pathname;
  try {
    const { policy, warnings } = await checkPolicyFile(file);
    return { ok: true, policy, source, warnings };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)), source };
  }
};
