import { ECRClient } from "@aws-sdk/client-ecr";
import { StandardRetryStrategy } from "@smithy/core/retry";
import type { RetryErrorInfo, StandardRetryToken } from "@smithy/types";

/**
 * The SDK's standard retries (throttling, 5xx, transient network errors, 3 attempts), except
 * that `LimitExceededException` is answered at once: the SDK counts it as throttling, but for
 * ECR it means the registry's 50-rule quota is reached, which no retry can change.
 */
export class QuotaAwareRetryStrategy extends StandardRetryStrategy {
  override async refreshRetryTokenForRetry(
    token: StandardRetryToken,
    errorInfo: RetryErrorInfo,
  ): Promise<StandardRetryToken> {
    if (errorInfo.error?.name === "LimitExceededException") {
      throw new Error("LimitExceededException is not retryable");
    }
    return super.refreshRetryTokenForRetry(token, errorInfo);
  }
}

export interface EcrClientOptions {
  readonly region: string;
  /** How long one attempt may wait for an answer before it fails and may be retried. */
  readonly attemptTimeoutMs: number;
  readonly connectionTimeoutMs?: number;
}

/**
 * Builds the one ECR client of a cold start: keep-alive connections (the SDK's Node handler keeps
 * sockets alive by default), a connection timeout, an
 * attempt timeout that really throws (`throwOnRequestTimeout`; without it the SDK only warns),
 * and {@link QuotaAwareRetryStrategy}. The endpoint and credentials come from the standard
 * chain, so `AWS_ENDPOINT_URL_ECR` points local runs at an emulator.
 */
export const createEcrClient = ({
  region,
  attemptTimeoutMs,
  connectionTimeoutMs = 1_000,
}: EcrClientOptions): ECRClient =>
  new ECRClient({
    region,
    retryStrategy: new QuotaAwareRetryStrategy(3),
    requestHandler: {
      connectionTimeout: connectionTimeoutMs,
      requestTimeout: attemptTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
