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

/** The `Retry-After` ECR asked for, in whole seconds, when its answer carried one. */
const retryAfterOf = (error: ECRServiceException): number | undefined => {
  const headers = error.$response?.headers ?? {};
  const raw = Object.entries(headers).find(([name]) => name.toLowerCase() === "retry-after")?.[1];
  return raw !== undefined && /^[0-9]{1,5}$/.test(raw) ? Number(raw) : undefined;
};

/**
 * Translates whatever `ECRClient.send` threw into a {@link DomainError}, keeping the original as
 * `cause` for the log. `deadlineExpired` says the request's deadline aborted the call.
 */
export const translateEcrError = (error: unknown, deadlineExpired: boolean): DomainError => {
  if (error instanceof ECRServiceException) {
    const kind = ECR_EXCEPTIONS.get(error.name);
    if (kind !== undefined) {
      return new DomainError(kind, sanitiseEcrMessage(error.message, error.name), {
        ecrCode: error.name,
        cause: error,
      });
    }
    if (
      isThrottlingError({ name: error.name, message: error.message, $metadata: error.$metadata })
    ) {
      const retryAfter = retryAfterOf(error);
      return new DomainError(
        "ecr-throttled",
        // A 4xx from ECR: its own words, as for every other client-side exception.
        sanitiseEcrMessage(error.message, "ECR is throttling requests."),
        {
          ecrCode: "ThrottlingException",
          cause: error,
          ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
        },
      );
    }
    // The service's own permissions, not the caller's fault: a 502 that says who must act.
    if (error.name === "AccessDeniedException") {
      return new DomainError("ecr-access-denied", "ECR denied the service access.", {
        ecrCode: error.name,
        cause: error,
      });
    }
    // Other AWS errors (server faults, answers that were not ECR's JSON) are the service's
    // problem, not the caller's: a generic 502 that names only the exception.
    return new DomainError("ecr-unavailable", "ECR could not complete the request.", {
      ...(EXCEPTION_NAME.test(error.name) ? { ecrCode: error.name } : {}),
      cause: error,
    });
  }
  const name = error instanceof Error ? error.name : undefined;
  if (deadlineExpired || name === "AbortError") {
    return new DomainError("ecr-timeout", TIMED_OUT, { cause: error });
  }
  // The Node handler names a reset socket a TimeoutError too (code ECONNRESET): only an attempt
  // that waited out its own timeout (ETIMEDOUT) means ECR was slow rather than unreachable.
  if (name === "TimeoutError" && networkCode(error) === "ETIMEDOUT") {
    return new DomainError("ecr-timeout", TIMED_OUT, { cause: error });
  }
  return new DomainError("ecr-unavailable", "ECR could not be reached.", { cause: error });
};
