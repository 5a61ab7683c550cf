/**
 * One deadline for everything a request asks of AWS: every ECR (and STS) call and all of their
 * attempts share it, so a create followed by a Describe, or the pages of a count, can never
 * together outlast it.
 */
export interface Deadline {
  /** Epoch milliseconds at which the request's AWS calls are abandoned. */
  readonly expiresAt: number;
  /** Aborted when the deadline passes; handed to the SDK so that it stops too. */
  readonly signal: AbortSignal;
}

/** A deadline whose timer the request stops when it ends, so that none outlives it. */
export interface RunningDeadline extends Deadline {
  stop(): void;
}

/** Starts a deadline `ms` from now. Its timer does not keep the process alive. */
export const startDeadline = (ms: number, now = Date.now()): RunningDeadline => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  timer.unref();
  return { expiresAt: now + ms, signal: controller.signal, stop: () => clearTimeout(timer) };
};

/** Milliseconds left before `deadline`, never negative. */
export const remainingMs = (deadline: Deadline, now = Date.now()): number =>
  Math.max(0, deadline.expiresAt - now);

/** Who asked, as API Gateway's IAM authorisation established it. */
export interface Caller {
  readonly accountId?: string;
  readonly arn?: string;
}

/**
 * How the request reaches its registry (contract §7): with the function's own credentials
 * (absent), or under a role assumed once for this request, named after it.
 */
export interface RegistryAccess {
  readonly roleArn: string;
  /** `RoleSessionName`: the request id, so the target account's CloudTrail ties back to it. */
  readonly sessionName: string;
}

/** What every use case and every gateway call of one request shares. */
export interface RequestContext {
  readonly requestId: string;
  readonly deadline: Deadline;
  readonly caller: Caller;
  readonly access?: RegistryAccess;
}
