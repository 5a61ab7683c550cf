import {
  ControlRequestError,
  optionalMember,
  refuseUnknownMembers,
  requireObject,
} from "./control.js";
import { isJsonObject } from "./validation.js";

const FAULT_KINDS = [
  "throttle",
  "server-error",
  "hang",
  "reset",
  "non-json",
  "error",
  "literal",
] as const;

/**
 * How an injected fault answers:
 * - `throttle`: the service's throttling error (ECR: 400 `ThrottlingException` "Rate exceeded");
 * - `server-error`: the service's internal error (ECR: 500 `ServerException`);
 * - `hang`: never answers, until the client gives up or the emulator closes;
 * - `reset`: destroys the socket with a TCP reset instead of answering;
 * - `non-json`: 502 `text/html` `<html>Bad Gateway</html>`, as a proxy in front of AWS might;
 * - `error`: `status` (default 400) with the error `errorType` and `message`;
 * - `literal`: `status` (default 200) with `body` as the answer, in the service's content type,
 *   for answers the real service never gives (an impossible timestamp, a missing member).
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A fault to inject, as posted to `POST /__emulator/faults`. */
export interface FaultSpec {
  readonly fault: FaultKind;
  /** How many matching requests the fault answers before it is used up; default 1. */
  readonly count?: number;
  /** Operation names the fault applies to; default every request to the service endpoint. */
  readonly operations?: readonly string[];
  /** Error code of the answer: required for `error`, overrides `throttle`'s and `server-error`'s. */
  readonly errorType?: string;
  /**
   * HTTP status: 400 to 599 for `throttle`, `server-error`, `error` and `non-json`, whose
   * defaults it overrides; 200 to 599 for `literal` (default 200).
   */
  readonly status?: number;
  /** Error message: overrides the default of `throttle`, `server-error` and `error`. */
  readonly message?: string;
  /** Whole seconds for a `Retry-After` header on `throttle`, `server-error` and `error` answers. */
  readonly retryAfter?: number;
  /**
   * The answer's body for `literal` (required there, refused elsewhere): a string is sent byte
   * for byte; for a JSON service a JSON object or array may be given instead, and is serialised.
   */
  readonly body?: string | Readonly<Record<string, unknown>> | readonly unknown[];
}

/** What the server does instead of running the operation. */
export type FaultAction =
  | {
      readonly kind: "error";
      readonly status: number;
      readonly errorType: string;
      readonly message: string;
      readonly retryAfter: number | undefined;
    }
  | { readonly kind: "hang" }
  | { readonly kind: "reset" }
  | { readonly kind: "non-json"; readonly status: number }
  | { readonly kind: "literal"; readonly status: number; readonly body: string };

/** A default error answer of a service. */
export interface ErrorDefaults {
  readonly status: number;
  readonly errorType: string;
  readonly message: string;
}

/** What differs between the emulated services: operations, error codes and wording. */
export interface FaultProfile {
  /** The service's name in default messages, e.g. "ECR". */
  readonly service: string;
  /** The operations `operations` may name. */
  readonly operations: readonly string[];
  /** The fault kinds the service supports. */
  readonly kinds: readonly FaultKind[];
  readonly throttle: ErrorDefaults;
  readonly serverError: ErrorDefaults;
  /** Whether a `literal` body may be a JSON value (a JSON protocol) or must be a string. */
  readonly jsonBodies: boolean;
}

interface QueuedFault {
  remaining: number;
  readonly operations: ReadonlySet<string> | undefined;
  readonly action: FaultAction;
}

const SPEC_MEMBERS = [
  "fault",
  "count",
  "operations",
  "errorType",
  "status",
  "message",
  "retryAfter",
  "body",
] as const;

// Which optional members mean something for which kind; any other combination is refused so a
// test cannot believe it set something the fault ignores.
const MEMBERS_OF: Readonly<Record<FaultKind, readonly string[]>> = {
  throttle: ["errorType", "status", "message", "retryAfter"],
  "server-error": ["errorType", "status", "message", "retryAfter"],
  error: ["errorType", "status", "message", "retryAfter"],
  "non-json": ["status"],
  literal: ["status", "body"],
  hang: [],
  reset: [],
};

const EXCEPTION_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

const isPositiveInteger = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
const isWholeSeconds = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const isErrorStatus = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 400 && value <= 599;
const isAnswerStatus = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 200 && value <= 599;
const isExceptionName = (value: unknown): value is string =>
  typeof value === "string" && EXCEPTION_NAME.test(value);
const isString = (value: unknown): value is string => typeof value === "string";

const withDefaults = (
  defaults: ErrorDefaults,
  spec: Record<string, unknown>,
  retryAfter: number | undefined,
): FaultAction => ({
  kind: "error",
  status:
    optionalMember(spec, "status", isErrorStatus, "an HTTP status from 400 to 599") ??
    defaults.status,
  errorType:
    optionalMember(spec, "errorType", isExceptionName, "an exception name") ?? defaults.errorType,
  message: optionalMember(spec, "message", isString, "a string") ?? defaults.message,
  retryAfter,
});

const literalBody = (profile: FaultProfile, spec: Record<string, unknown>): string => {
  const { body } = spec;
  if (typeof body === "string") return body;
  if (profile.jsonBodies && (isJsonObject(body) || Array.isArray(body))) {
    return JSON.stringify(body);
  }
  throw new ControlRequestError(
    profile.jsonBodies
      ? 'A "literal" fault needs "body": a string sent as is, or a JSON object or array.'
      : 'A "literal" fault needs "body": the string to send.',
  );
};

const toAction = (
  profile: FaultProfile,
  kind: FaultKind,
  spec: Record<string, unknown>,
): FaultAction => {
  const retryAfter = optionalMember(
    spec,
    "retryAfter",
    isWholeSeconds,
    "whole seconds (0 or more)",
  );
  switch (kind) {
    case "throttle":
      return withDefaults(profile.throttle, spec, retryAfter);
    case "server-error":
      return withDefaults(profile.serverError, spec, retryAfter);
    case "error": {
      const errorType = optionalMember(spec, "errorType", isExceptionName, "an exception name");
      if (errorType === undefined) {
        throw new ControlRequestError(
          'An "error" fault needs "errorType", e.g. "SecretNotFoundException".',
        );
      }
      return withDefaults(
        {
          status: 400,
          errorType,
          message: `${errorType} raised by the ${profile.service} emulator.`,
        },
        spec,
        retryAfter,
      );
    }
    case "non-json":
      return {
        kind: "non-json",
        status:
          optionalMember(spec, "status", isErrorStatus, "an HTTP status from 400 to 599") ?? 502,
      };
    case "literal":
      return {
        kind: "literal",
        status:
          optionalMember(spec, "status", isAnswerStatus, "an HTTP status from 200 to 599") ?? 200,
        body: literalBody(profile, spec),
      };
    case "hang":
      return { kind: "hang" };
    case "reset":
      return { kind: "reset" };
  }
};

const toQueuedFault = (profile: FaultProfile, value: unknown): QueuedFault => {
  const spec = requireObject(value, "A fault");
  refuseUnknownMembers(spec, SPEC_MEMBERS, "A fault");
  const { fault: kind } = spec;
  if (typeof kind !== "string" || !(profile.kinds as readonly string[]).includes(kind)) {
    throw new ControlRequestError(`"fault" must be one of ${profile.kinds.join(", ")}.`);
  }
  const faultKind = kind as FaultKind;
  const allowed = MEMBERS_OF[faultKind];
  const misplaced = Object.keys(spec).find(
    (name) => !["fault", "count", "operations"].includes(name) && !allowed.includes(name),
  );
  if (misplaced !== undefined) {
    throw new ControlRequestError(`"${misplaced}" does not apply to a "${faultKind}" fault.`);
  }
  const count = optionalMember(spec, "count", isPositiveInteger, "a positive integer");
  const operations = optionalMember(
    spec,
    "operations",
    (list: unknown): list is string[] =>
      Array.isArray(list) &&
      list.length > 0 &&
      list.every((name) => typeof name === "string" && profile.operations.includes(name)),
    `a non-empty list of ${profile.operations.join(", ")}`,
  );
  return {
    remaining: count ?? 1,
    operations: operations === undefined ? undefined : new Set(operations),
    action: toAction(profile, faultKind, spec),
  };
};

/**
 * Faults queue up: each request is answered by the oldest fault that matches its operation and
 * still has uses left, so tests can script sequences such as "throttle twice, then fail once".
 */
export class FaultQueue {
  readonly #profile: FaultProfile;
  #queue: QueuedFault[] = [];

  constructor(profile: FaultProfile) {
    this.#profile = profile;
  }

  /** Validates and appends a fault; throws {@link ControlRequestError} for an unusable one. */
  add(spec: unknown): void {
    this.#queue.push(toQueuedFault(this.#profile, spec));
  }

  clear(): void {
    this.#queue = [];
  }

  /** Uses up one application of the first fault matching `operation`, if any. */
  take(operation: string): FaultAction | undefined {
    const index = this.#queue.findIndex(
      (fault) => fault.operations === undefined || fault.operations.has(operation),
    );
    const fault = this.#queue[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.#queue.splice(index, 1);
    return fault.action;
  }
}
