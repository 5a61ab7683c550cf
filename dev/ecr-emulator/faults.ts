import { ControlRequestError } from "./control.js";
import { ECR_OPERATIONS, isEcrOperation } from "./rules.js";

const FAULT_KINDS = ["throttle", "server-error", "hang", "reset", "non-json", "error"] as const;

/**
 * How an injected fault answers:
 * - `throttle`: 400 `ThrottlingException` "Rate exceeded";
 * - `server-error`: 500 `ServerException`;
 * - `hang`: never answers, until the client gives up or the emulator closes;
 * - `reset`: destroys the socket with a TCP reset instead of answering;
 * - `non-json`: 502 `text/html` `<html>Bad Gateway</html>`, as a proxy in front of ECR might;
 * - `error`: `status` (default 400) with body `{"__type": errorType, "message": message}`.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A fault to inject, as posted to `POST /__emulator/faults`. */
export interface FaultSpec {
  readonly fault: FaultKind;
  /** How many matching requests the fault answers before it is used up; default 1. */
  readonly count?: number;
  /** ECR operation names the fault applies to; default every request to the ECR endpoint. */
  readonly operations?: readonly string[];
  /** `__type` of the error answer: required for `error`, overrides the default of `throttle` and `server-error`. */
  readonly errorType?: string;
  /** HTTP status: overrides the default of `throttle`, `server-error`, `non-json` and `error`. */
  readonly status?: number;
  /** Error message: overrides the default of `throttle`, `server-error` and `error`. */
  readonly message?: string;
}

/** What the server does instead of running the operation. */
export type FaultAction =
  | {
      readonly kind: "error";
      readonly status: number;
      readonly errorType: string;
      readonly message: string;
    }
  | { readonly kind: "hang" }
  | { readonly kind: "reset" }
  | { readonly kind: "non-json"; readonly status: number };

interface QueuedFault {
  remaining: number;
  readonly operations: ReadonlySet<string> | undefined;
  readonly action: FaultAction;
}

const EXCEPTION_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

const optionalField = <T>(
  spec: Record<string, unknown>,
  name: string,
  accept: (value: unknown) => value is T,
  expected: string,
): T | undefined => {
  const value = spec[name];
  if (value === undefined) return undefined;
  if (!accept(value)) throw new ControlRequestError(`"${name}" must be ${expected}.`);
  return value;
};

const isPositiveInteger = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
const isStatus = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 400 && value <= 599;
const isExceptionName = (value: unknown): value is string =>
  typeof value === "string" && EXCEPTION_NAME.test(value);
const isString = (value: unknown): value is string => typeof value === "string";
const isOperationList = (value: unknown): value is string[] =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every((name) => typeof name === "string" && isEcrOperation(name));

const toAction = (
  kind: FaultKind,
  errorType: string | undefined,
  status: number | undefined,
  message: string | undefined,
): FaultAction => {
  switch (kind) {
    case "throttle":
      return {
        kind: "error",
        status: status ?? 400,
        errorType: errorType ?? "ThrottlingException",
        message: message ?? "Rate exceeded",
      };
    case "server-error":
      return {
        kind: "error",
        status: status ?? 500,
        errorType: errorType ?? "ServerException",
        message: message ?? "We encountered an internal error. Please try again.",
      };
    case "error":
      if (errorType === undefined) {
        throw new ControlRequestError(
          'An "error" fault needs "errorType", e.g. "SecretNotFoundException".',
        );
      }
      return {
        kind: "error",
        status: status ?? 400,
        errorType,
        message: message ?? `${errorType} raised by the ECR emulator.`,
      };
    case "non-json":
      return { kind: "non-json", status: status ?? 502 };
    case "hang":
      return { kind: "hang" };
    case "reset":
      return { kind: "reset" };
  }
};

const toQueuedFault = (value: unknown): QueuedFault => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ControlRequestError("A fault must be a JSON object.");
  }
  const spec = value as Record<string, unknown>;
  const { fault: kind } = spec;
  if (typeof kind !== "string" || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new ControlRequestError(`"fault" must be one of ${FAULT_KINDS.join(", ")}.`);
  }
  const count = optionalField(spec, "count", isPositiveInteger, "a positive integer");
  const operations = optionalField(
    spec,
    "operations",
    isOperationList,
    `a non-empty list of ${ECR_OPERATIONS.join(", ")}`,
  );
  const errorType = optionalField(spec, "errorType", isExceptionName, "an exception name");
  const status = optionalField(spec, "status", isStatus, "an HTTP status from 400 to 599");
  const message = optionalField(spec, "message", isString, "a string");
  return {
    remaining: count ?? 1,
    operations: operations === undefined ? undefined : new Set(operations),
    action: toAction(kind as FaultKind, errorType, status, message),
  };
};

/**
 * Faults queue up: each request is answered by the oldest fault that matches its operation and
 * still has uses left, so tests can script sequences such as "throttle twice, then fail once".
 */
export class FaultQueue {
  #queue: QueuedFault[] = [];

  /** Validates and appends a fault; throws {@link ControlRequestError} for an unusable one. */
  add(spec: unknown): void {
    this.#queue.push(toQueuedFault(spec));
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
