/** Settings read once from the environment at cold start. */
export interface Config {
  /** The Region the function runs in (Lambda sets `AWS_REGION`). */
  readonly region: string;
  /** A policy file to use instead of the bundled allowlist (local runs, tests). */
  readonly policyFile?: string;
  /** One deadline for all attempts of one ECR call, in milliseconds. */
  readonly ecrDeadlineMs: number;
  /** How long one attempt may wait for ECR's answer before it is retried. */
  readonly ecrAttemptTimeoutMs: number;
}

/** Thrown at cold start when the environment is unusable; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_ECR_DEADLINE_MS = 8_000;
const DEFAULT_ECR_ATTEMPT_TIMEOUT_MS = 3_000;

const positiveInt = (env: Env, name: string, fallback: number, max: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new ConfigError(
      `${name} must be a whole number of milliseconds from 1 to ${max}, got '${raw}'`,
    );
  }
  return Number(raw);
};

/**
 * Parses the environment, failing fast with a message that names the offending variable.
 * The ECR deadline stays well inside API Gateway's 29 s integration timeout.
 */
export const loadConfig = (env: Env = process.env): Config => {
  const region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"];
  if (region === undefined || !/^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(region)) {
    throw new ConfigError(`AWS_REGION must name an AWS Region, got '${region ?? ""}'`);
  }
  const ecrDeadlineMs = positiveInt(env, "ECR_DEADLINE_MS", DEFAULT_ECR_DEADLINE_MS, 25_000);
  const ecrAttemptTimeoutMs = positiveInt(
    env,
    "ECR_ATTEMPT_TIMEOUT_MS",
    Math.min(DEFAULT_ECR_ATTEMPT_TIMEOUT_MS, ecrDeadlineMs),
    25_000,
  );
  const policyFile = env["POLICY_FILE"];
  return {
    region,
    ecrDeadlineMs,
    ecrAttemptTimeoutMs,
    ...(policyFile === undefined || policyFile === "" ? {} : { policyFile }),
  };
};
