import type { UpstreamPolicy } from "../domain/upstream-policy.js";
import { checkPolicyFile, DEFAULT_POLICY_FILE } from "./policy-file.js";
import { checkPolicyDocument, type PolicyWarning } from "./policy-schema.js";

/** Set by the build to the validated allowlist as JSON; absent when running from source. */
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

/**
 * Loads the allowlist once: `policyFile` when given, else the copy the build inlined, else (from
 * source) the file in `policies/`. Never throws, so that the function still starts and answers
 * every request with 503 instead of failing in a loop of init errors.
 */
export const loadPolicyState = async (policyFile: string | undefined): Promise<PolicyState> => {
  const bundled = policyFile === undefined && typeof __BUNDLED_POLICY__ !== "undefined";
  const file = policyFile ?? DEFAULT_POLICY_FILE;
  const source = bundled ? "bundled policy" : typeof file === "string" ? file : file.pathname;
  try {
    const { policy, warnings } = bundled
      ? checkPolicyDocument(__BUNDLED_POLICY__, source)
      : await checkPolicyFile(file);
    return { ok: true, policy, source, warnings };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)), source };
  }
};
