import { ECRClient } from "@aws-sdk/client-ecr";
import type { AwsCredentialIdentity } from "@smithy/types";
import { DeadlineAwareRetryStrategy, watchDeadlines } from "./aws-deadline.js";

export interface AwsClientOptions {
  readonly region: string;
  /** How long one attempt may wait for an answer before it fails and may be retried. */
  readonly attemptTimeoutMs: number;
  readonly connectionTimeoutMs?: number;
}

/**
 * What every AWS client of the service is built with: keep-alive connections (the SDK's Node
 * handler keeps sockets alive by default), a connection timeout, an attempt timeout that really
 * throws (`throwOnRequestTimeout`; without it the SDK only warns), and
 * {@link DeadlineAwareRetryStrategy}. Endpoint and credentials come from the standard chain, so
 * `AWS_ENDPOINT_URL_ECR` (or `_STS`) points local runs at an emulator.
 */
export const awsClientConfig = ({
  region,
  attemptTimeoutMs,
  connectionTimeoutMs = 1_000,
}: AwsClientOptions) => ({
  region,
  retryStrategy: new DeadlineAwareRetryStrategy(3),
  requestHandler: {
    connectionTimeout: connectionTimeoutMs,
    requestTimeout: attemptTimeoutMs,
    throwOnRequestTimeout: true,
  },
});

/** Builds the one ECR client of a cold start, with the function's own credentials. */
export const createEcrClient = (options: AwsClientOptions): ECRClient =>
  watchDeadlines(new ECRClient(awsClientConfig(options)));

/**
 * A client for one request's temporary credentials (an onboarded registry's role) that shares
 * `base`'s connection pool: its request handler is `base`'s very instance, so a role's request
 * opens no connection a plain one would not. It must not be destroyed (that would close the
 * shared pool); it is simply dropped with its request.
 */
export const ecrClientFor = (
  base: ECRClient,
  options: AwsClientOptions,
  credentials: AwsCredentialIdentity,
): ECRClient =>
  watchDeadlines(
    new ECRClient({
      ...awsClientConfig(options),
      requestHandler: base.config.requestHandler,
      credentials,
    }),
  );
