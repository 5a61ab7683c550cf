import type { Client } from "@smithy/core/client";
import { StandardRetryStrategy } from "@smithy/core/retry";
import {
  type FinalizeHandler,
  type FinalizeHandlerArguments,
  type FinalizeRequestHandlerOptions,
  type HandlerExecutionContext,
  type MetadataBearer,
  type RelativeMiddlewareOptions,
  type RetryErrorInfo,
  SMITHY_CONTEXT_KEY,
  type StandardRetryToken,
} from "@smithy/types";
import { DomainError } from "../domain/errors.js";
import type { Deadline } from "../domain/request-context.js";

/** Epoch milliseconds at which each request's deadline expires, by the signal it hands the SDK. */
const deadlines = new WeakMap<AbortSignal, number>();

/** Lets the retry strategy see the deadline of the request that `signal` belongs to. */
export const registerDeadline = (signal: AbortSignal, expiresAt: number): void => {
  deadlines.set(signal, expiresAt);
};

const DEADLINE = Symbol("requestDeadline");

const deadlineOf = (error: unknown): number | undefined => {
  if (typeof error !== "object" || error === null || !(DEADLINE in error)) return undefined;
  const value = error[DEADLINE];
  return typeof value === "number" ? value : undefined;
};

// The longest back-off smithy's StandardRetryStrategy may choose before attempt `retry + 1`:
// a random share of base × 2^retry (base 1 s for throttling, 50 ms otherwise), at most 20 s,
// stretched to a Retry-After hint by at most 5 s more (@smithy/core util-retry).
const MAX_BACKOFF_MS = 20_000;
const MAX_HINT_STRETCH_MS = 5_000;
/** Time an attempt needs at least: a retry that would start later than this before the end is not made. */
export const MIN_ATTEMPT_MS = 200;

const longestWaitMs = (token: StandardRetryToken, errorInfo: RetryErrorInfo, now: number) => {
  const base = errorInfo.errorType === "THROTTLING" ? 1_000 : 50;
  const backoff = Math.min(base * 2 ** token.getRetryCount(), MAX_BACKOFF_MS);
  const hint = errorInfo.retryAfterHint?.getTime();
  return hint === undefined
    ? backoff
    : Math.max(backoff, Math.min(hint - now, backoff + MAX_HINT_STRETCH_MS));
};

/**
 * The SDK's standard retries (throttling, 5xx, transient network errors, 3 attempts), except:
 * - `LimitExceededException` is answered at once: the SDK counts it as throttling, but for ECR
 *   it means the registry's 50-rule quota is reached, which no retry can change;
 * - a retry whose back-off could outlast the request's deadline is not made, so the caller
 *   hears ECR's own answer (throttling: 429 with its Retry-After) instead of a 504.
 */
export class DeadlineAwareRetryStrategy extends StandardRetryStrategy {
  override async refreshRetryTokenForRetry(
    token: StandardRetryToken,
    errorInfo: RetryErrorInfo,
  ): Promise<StandardRetryToken> {
    if (errorInfo.error?.name === "LimitExceededException") {
      throw new Error("LimitExceededException is not retryable");
    }
    const expiresAt = deadlineOf(errorInfo.error);
    const now = Date.now();
    if (
      expiresAt !== undefined &&
      now + longestWaitMs(token, errorInfo, now) + MIN_ATTEMPT_MS > expiresAt
    ) {
      throw new Error("The next attempt would not fit in the request's deadline");
    }
    return super.refreshRetryTokenForRetry(token, errorInfo);
  }
}

/**
 * Runs inside the retry loop: marks each failed attempt's error with its request's deadline,
 * which the retry strategy reads (it sees the error, not the request).
 */
const markDeadline =
  <Output extends MetadataBearer>(
    next: FinalizeHandler<object, Output>,
    context: HandlerExecutionContext,
  ): FinalizeHandler<object, Output> =>
  async (args: FinalizeHandlerArguments<object>) => {
    try {
      return await next(args);
    } catch (error) {
      const signal = context[SMITHY_CONTEXT_KEY]?.abortSignal;
      const expiresAt = signal === undefined ? undefined : deadlines.get(signal as AbortSignal);
      if (expiresAt !== undefined && typeof error === "object" && error !== null) {
        Object.defineProperty(error, DEADLINE, { value: expiresAt, configurable: true });
      }
      throw error;
    }
  };

const MARK_DEADLINE: FinalizeRequestHandlerOptions & RelativeMiddlewareOptions = {
  name: "markRequestDeadline",
  step: "finalizeRequest",
  relation: "after",
  toMiddleware: "retryMiddleware",
};

/** Lets `client`'s retry strategy see each request's deadline (see {@link DeadlineAwareRetryStrategy}). */
// biome-ignore lint/suspicious/noExplicitAny: any AWS SDK client, whatever its input and output types
export const watchDeadlines = <C extends Client<any, any, any, any>>(client: C): C => {
  client.middlewareStack.addRelativeTo(markDeadline, MARK_DEADLINE);
  return client;
};

/**
 * Runs one AWS call inside a request's deadline. The SDK honours the signal between and during
 * attempts; the race guarantees the deadline even where it does not (credential resolution, a
 * retry's back-off). Whatever fails leaves through `translate`, which is told whether the
 * deadline had passed; a `DomainError` already made passes unchanged.
 */
export const withinDeadline = async <T>(
  deadline: Deadline,
  call: (abortSignal: AbortSignal) => Promise<T>,
  translate: (error: unknown, deadlineExpired: boolean) => DomainError,
): Promise<T> => {
  const { signal, expiresAt } = deadline;
  if (signal.aborted) throw translate(signal.reason, true);
  registerDeadline(signal, expiresAt);
  let onAbort: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    onAbort = () => reject(translate(signal.reason, true));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([call(signal), expired]);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw translate(error, signal.aborted);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
};
