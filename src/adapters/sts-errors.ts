import { STSServiceException } from "@aws-sdk/client-sts";
import { isThrottlingError } from "@smithy/core/retry";
import { DomainError } from "../domain/errors.js";

/**
 * Translates whatever `AssumeRole` threw into a {@link DomainError} of its own kinds (all with
 * the code `AssumeRoleFailed`), keeping the original as `cause` for the log only: the answer
 * never names the role (contract §7).
 */
export const translateStsError = (error: unknown, deadlineExpired: boolean): DomainError => {
  const name = error instanceof Error ? error.name : undefined;
  if (
    error instanceof STSServiceException &&
    isThrottlingError({ name: error.name, message: error.message, $metadata: error.$metadata })
  ) {
    return new DomainError("role-throttled", "STS is throttling the service.", { cause: error });
  }
  if (
    deadlineExpired ||
    name === "AbortError" ||
    (name === "TimeoutError" && Reflect.get(Object(error), "code") === "ETIMEDOUT")
  ) {
    return new DomainError("role-timeout", "STS did not answer in time.", { cause: error });
  }
  return new DomainError("role-unavailable", "The registry's role could not be assumed.", {
    cause: error,
  });
};
