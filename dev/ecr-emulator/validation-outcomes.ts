import {
  ControlRequestError,
  optionalMember,
  refuseUnknownMembers,
  requiredMember,
  requireObject,
} from "./control.js";

/**
 * A forced answer of `ValidatePullThroughCacheRule`, as posted to `POST /__emulator/validation`.
 * Without `ecrRepositoryPrefix` it applies to every rule, without `registryId` to every
 * registry. The rule must still exist: a missing one stays `PullThroughCacheRuleNotFoundException`.
 */
export interface ValidationOutcome {
  readonly registryId?: string;
  readonly ecrRepositoryPrefix?: string;
  readonly isValid: boolean;
  /** Why the rule is invalid; only with `isValid: false`, since ECR gives none for a valid rule. */
  readonly failure?: string;
}

/** What a validation answers for one rule. */
export interface ForcedValidation {
  readonly isValid: boolean;
  readonly failure: string | undefined;
}

const REGISTRY_ID = /^[0-9]{12}$/;
const ANY = "*";

const isRegistryId = (value: unknown): value is string =>
  typeof value === "string" && REGISTRY_ID.test(value);
const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";
const isNonEmptyString = (value: unknown): value is string =>
  typeof value === "string" && value.length > 0;

const keyOf = (registryId: string, prefix: string): string => `${registryId}/${prefix}`;

/**
 * Forced validation answers, keyed by registry and prefix. A rule gets the most specific one:
 * its registry and prefix, then its prefix in any registry, then any rule of its registry, then
 * any rule at all; setting the same scope again replaces the earlier answer.
 */
export class ValidationOutcomes {
  readonly #byScope = new Map<string, ForcedValidation>();
  readonly #isPrefix: (value: string) => boolean;

  /** `isPrefix` tells a prefix ECR would accept, so that a misspelt scope fails loudly. */
  constructor(isPrefix: (value: string) => boolean) {
    this.#isPrefix = isPrefix;
  }

  /** Validates and stores an outcome; throws {@link ControlRequestError} for an unusable one. */
  set(spec: unknown): void {
    const outcome = requireObject(spec, "A validation outcome");
    refuseUnknownMembers(
      outcome,
      ["registryId", "ecrRepositoryPrefix", "isValid", "failure"],
      "A validation outcome",
    );
    const registryId = optionalMember(outcome, "registryId", isRegistryId, "12 digits");
    const prefix = optionalMember(
      outcome,
      "ecrRepositoryPrefix",
      (value): value is string => typeof value === "string" && this.#isPrefix(value),
      "a repository prefix ECR accepts",
    );
    const isValid = requiredMember(outcome, "isValid", isBoolean, "true or false");
    const failure = optionalMember(outcome, "failure", isNonEmptyString, "a non-empty string");
    if (isValid && failure !== undefined) {
      throw new ControlRequestError('"failure" is only for "isValid": false, as ECR gives none.');
    }
    this.#byScope.set(keyOf(registryId ?? ANY, prefix ?? ANY), { isValid, failure });
  }

  clear(): void {
    this.#byScope.clear();
  }

  /** The forced answer for one rule, if any scope covers it. */
  find(registryId: string, prefix: string): ForcedValidation | undefined {
    return (
      this.#byScope.get(keyOf(registryId, prefix)) ??
      this.#byScope.get(keyOf(ANY, prefix)) ??
      this.#byScope.get(keyOf(registryId, ANY)) ??
      this.#byScope.get(keyOf(ANY, ANY))
    );
  }
}
