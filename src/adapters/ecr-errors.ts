import { ECRServiceException } from "@aws-sdk/client-ecr";
import { isThrottlingError } from "@smithy/core/retry";
import { DomainError, type DomainErrorKind } from "../domain/errors.js";

/** ECR exception names and the domain error each becomes. Anything not listed is a 502. */
// A Map, not an object literal: an error named "constructor" must not find Object's prototype.
const ECR_EXCEPTIONS: ReadonlyMap<string, DomainErrorKind> = new Map<string, DomainErrorKind>([
  ["InvalidParameterException", "ecr-rejected-request"],
  ["ValidationException", "ecr-rejected-request"],
  ["UnsupportedUpstreamRegistryException", "upstream-unusable"],
  ["SecretNotFoundException", "upstream-unusable"],
  ["UnableToAccessSecretException", "upstream-unusable"],
  ["UnableToDecryptSecretValueException", "upstream-unusable"],
  ["PullThroughCacheRuleNotFoundException", "rule-not-found"],
  ["PullThroughCacheRuleAlreadyExistsException", "rule-conflict"],
  ["LimitExceededException", "rule-quota-exceeded"],
]);

const MAX_MESSAGE_LENGTH = 300;
const EXCEPTION_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/** ECR's own words for a 4xx, safe to echo: no control characters, bounded length. */
export const sanitiseEcrMessage = (message: string, fallback: string): string => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const clean = message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  if (clean.length === 0) return fallback;
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : clean;
};

const networkCode = (error: unknown): unknown =>
  typeof error === "object" && error !== null && "code" in error ? error.code : undefined;

const TIMED_OUT = "ECR did not answer in time.";

/**
 * Translates whatever `ECRClient.send` threw into a {@link DomainError}, keeping the original as
 * `cause` for the log. `deadlineExpired` says the service's own deadline aborted the call.
 */
export const translateEcrError = (error: unknown, deadlineExpired: boolean): DomainError => {
  if (error instanceof ECRServiceException) {
    const kind = ECR_EXCEPTIONS.get(error.name);
    if (kind !== undefined) {
      return new DomainError(kind, error.name, sanitiseEcrMessage(error.message, error.name), {
        cause: error,
      });
    }
    if (
      isThrottlingError({ name: error.name, message: error.message, $metadata: error.$metadata })
    ) {
      return new DomainError(
        "ecr-throttled",
        "ThrottlingException",
        // A 4xx from ECR: its own words, as for every other client-side exception.
        sanitiseEcrMessage(error.message, "ECR is throttling requests."),
        { cause: error },
      );
    }
    // Other AWS errors (access denied, server faults, answers that were not ECR's JSON) are the
    // service's problem, not the caller's: a generic 502 that names only the exception.
    const code = EXCEPTION_NAME.test(error.name) ? error.name : "EcrUnavailable";
    return new DomainError("ecr-unavailable", code, "ECR could not complete the request.", {
      cause: error,
    });
  }
  const name = error instanceof Error ? error.name : undefined;
  if (deadlineExpired || name === "AbortError") {
    return new DomainError("ecr-timeout", "EcrTimeout", TIMED_OUT, { cause: error });
  }
  // The Node handler names a reset socket a TimeoutError too (code ECONNRESET): only an attempt
  // that waited out its own timeout (ETIMEDOUT) means ECR was slow rather than unreachable.
  if (name === "TimeoutError" && networkCode(error) === "ETIMEDOUT") {
    return new DomainError("ecr-timeout", "EcrTimeout", TIMED_OUT, { cause: error });
  }
  return new DomainError("ecr-unavailable", "EcrUnavailable", "ECR could not be reached.", {
    cause: error,
  });
};
