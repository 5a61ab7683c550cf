import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { checkSignedByRole } from "./authorization.js";
import { parseControlBody } from "./control.js";
import type { CredentialLookup } from "./credential-lookup.js";
import { type FaultProfile, FaultQueue, type FaultSpec } from "./faults.js";
import { answerFault, faultAndCallRoutes, headerValue, listen, send } from "./http.js";
import { RegistryRoles } from "./registry-roles.js";
import {
  ECR_OPERATIONS,
  isEcrOperation,
  isRulePrefix,
  type RuleDescription,
  RuleStore,
  type SeedRule,
} from "./rules.js";
import { claimedAccessKeyId } from "./sigv4.js";
import { EcrError, emulatorAccountId, isJsonObject } from "./validation.js";
import { type ValidationOutcome, ValidationOutcomes } from "./validation-outcomes.js";

/** Where the emulator listens and which registry it treats as the caller's own. */
export interface EcrEmulatorOptions {
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Port to bind; default 0, a random free port (read it back from {@link EcrEmulator.port}). */
  port?: number;
  /** Registry used when a request omits `registryId`; default `123456789012`. */
  accountId?: string;
  /**
   * Registries onboarded with a role, `{"<registry id>": "<role ARN>"}`: a call for one of them
   * (its body's `registryId`, else `accountId`) must be SigV4-signed with temporary credentials
   * issued for exactly that role, or ECR's authentication and AccessDenied errors answer it.
   * `reset()` comes back to these.
   */
  registryRoles?: Readonly<Record<string, string>>;
  /**
   * Where issued credentials are looked up: the STS emulator's `credentials` in-process, or
   * `remoteCredentialLookup(stsUrl)` across processes. Without it no key is known, so every call
   * for a registry with a role is refused.
   */
  credentials?: CredentialLookup;
}

/** One request the ECR endpoint received, as listed by `GET /__emulator/calls`. */
export interface RecordedCall {
  /**
   * The operation named by `X-Amz-Target` without the ECR service prefix; the whole header
   * when it lacks that prefix, and `""` when there was no header.
   */
  readonly operation: string;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  readonly body: unknown;
  /**
   * The access key id the `Authorization` header names (signature checked or not); null for an
   * unsigned request. Tells which session signed each call.
   */
  readonly accessKeyId: string | null;
  /** When the request arrived, as an ISO 8601 timestamp. */
  readonly at: string;
}

/**
 * A running emulator. Besides the HTTP control API under `/__emulator/`, the same controls are
 * available in-process for tests that start the emulator themselves.
 */
export interface EcrEmulator {
  /** Base URL to pass as the `ECRClient` endpoint, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly port: number;
  /** Queues a fault, as `POST /__emulator/faults` does; throws for an invalid specification. */
  addFault(spec: FaultSpec): void;
  /** Drops every queued fault, as `DELETE /__emulator/faults` does. */
  clearFaults(): void;
  /** Every ECR request received so far, in arrival order, as `GET /__emulator/calls` lists them. */
  calls(): RecordedCall[];
  /**
   * Stores a rule without ECR's checks, as `POST /__emulator/rules` does, replacing any rule with
   * the same prefix; no quota applies, so a test can seed a registry with hundreds of rules.
   * Throws {@link ControlRequestError} for a seed it cannot use.
   */
  seed(rule: SeedRule): RuleDescription;
  /**
   * Forces what `ValidatePullThroughCacheRule` answers for the rules in the outcome's scope, as
   * `POST /__emulator/validation` does; throws {@link ControlRequestError} for an invalid one.
   */
  setValidation(outcome: ValidationOutcome): void;
  /** Drops every forced validation answer, as `DELETE /__emulator/validation` does. */
  clearValidation(): void;
  /**
   * Sets the role of each registry named, or drops it for `null`, as
   * `POST /__emulator/registry-roles` does; other registries keep theirs. Throws
   * {@link ControlRequestError} for an entry that is not a registry id and an IAM role ARN.
   */
  setRegistryRoles(roles: Readonly<Record<string, string | null>>): void;
  /** Every registry's required role, as `GET /__emulator/registry-roles` lists them. */
  registryRoles(): Record<string, string>;
  /**
   * Forgets rules, faults, calls and forced validation answers and comes back to the registry
   * roles of the options, as `POST /__emulator/reset` does.
   */
  reset(): void;
  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void>;
}

const TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";
const AMZ_JSON = "application/x-amz-json-1.1";

const ECR_FAULTS: FaultProfile = {
  service: "ECR",
  operations: ECR_OPERATIONS,
  kinds: ["throttle", "server-error", "hang", "reset", "non-json", "error", "literal"],
  throttle: { status: 400, errorType: "ThrottlingException", message: "Rate exceeded" },
  serverError: {
    status: 500,
    errorType: "ServerException",
    message: "We encountered an internal error. Please try again.",
  },
  jsonBodies: true,
};

/** An answer in ECR's content type with its request id: `text` byte for byte. */
const sendEcrText = (
  res: ServerResponse,
  requestId: string,
  status: number,
  text: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): void =>
  send(
    res,
    status,
    { "Content-Type": AMZ_JSON, "x-amzn-RequestId": requestId, ...extraHeaders },
    text,
  );

const sendEcr = (res: ServerResponse, requestId: string, status: number, body: unknown): void =>
  sendEcrText(res, requestId, status, JSON.stringify(body));

const sendEcrError = (
  res: ServerResponse,
  requestId: string,
  status: number,
  type: string,
  message: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): void =>
  sendEcrText(res, requestId, status, JSON.stringify({ __type: type, message }), extraHeaders);

/**
 * Starts a local Amazon ECR emulator speaking AWS JSON 1.1, enough of it for the pull through
 * cache rule operations of `@aws-sdk/client-ecr` (create, describe, update, delete, validate),
 * with state kept in memory per registry and a control API under `/__emulator/` for fault
 * injection and for inspecting the requests received.
 */
export const startEcrEmulator = async (options: EcrEmulatorOptions = {}): Promise<EcrEmulator> => {
  const host = options.host ?? "127.0.0.1";
  const accountId = emulatorAccountId(options.accountId);

  const roles = new RegistryRoles(options.registryRoles ?? {});
  const outcomes = new ValidationOutcomes(isRulePrefix);
  const rules = new RuleStore(accountId, outcomes);
  const faults = new FaultQueue(ECR_FAULTS);
  const calls: RecordedCall[] = [];
  const reset = (): void => {
    rules.reset();
    faults.clear();
    outcomes.clear();
    roles.reset();
    calls.length = 0;
  };

  const handleEcr = async (
    req: IncomingMessage,
    res: ServerResponse,
    received: Buffer,
  ): Promise<void> => {
    const requestId = randomUUID();
    const target = headerValue(req, "x-amz-target");
    const operation = target?.startsWith(TARGET_PREFIX)
      ? target.slice(TARGET_PREFIX.length)
      : (target ?? "");
    const raw = received.toString("utf8");
    let body: unknown = raw;
    let isJson = false;
    try {
      body = JSON.parse(raw);
      isJson = true;
    } catch {
      // Recorded as text; answered below with SerializationException unless a fault comes first.
    }
    calls.push({
      operation,
      body,
      accessKeyId: claimedAccessKeyId(headerValue(req, "authorization")),
      at: new Date().toISOString(),
    });

    const fault = faults.take(operation);
    if (fault !== undefined) {
      answerFault(fault, req, res, {
        error: ({ status, errorType, message }, headers) =>
          sendEcrError(res, requestId, status, errorType, message, headers),
        literal: ({ status, body }) => sendEcrText(res, requestId, status, body),
      });
      return;
    }
    if (req.method !== "POST") {
      sendEcrError(res, requestId, 404, "UnknownOperationException", "Only POST is supported.");
      return;
    }
    if (!target?.startsWith(TARGET_PREFIX) || !isEcrOperation(operation)) {
      sendEcrError(
        res,
        requestId,
        400,
        "UnknownOperationException",
        `The operation '${target ?? ""}' is not supported by the ECR emulator.`,
      );
      return;
    }
    if (!isJson || !isJsonObject(body)) {
      sendEcrError(
        res,
        requestId,
        400,
        "SerializationException",
        "The request body is not a JSON object.",
      );
      return;
    }
    try {
      const { registryId } = body;
      const targetRegistry = typeof registryId === "string" ? registryId : accountId;
      const requiredRoleArn = roles.roleOf(targetRegistry);
      if (requiredRoleArn !== undefined) {
        await checkSignedByRole(
          {
            request: {
              method: req.method,
              url: req.url ?? "/",
              headers: req.headers,
              body: received,
            },
            operation,
            requiredRoleArn,
          },
          options.credentials,
          accountId,
        );
      }
      sendEcr(res, requestId, 200, rules.execute(operation, body));
    } catch (error) {
      // Anything else is answered by listen()'s fail: 500 ServerException.
      if (!(error instanceof EcrError)) throw error;
      sendEcrError(res, requestId, error.status, error.type, error.message);
    }
  };

  const controlRoutes = {
    ...faultAndCallRoutes(faults, calls, reset),
    "POST rules": (raw: string) => ({ status: 201, body: rules.seed(parseControlBody(raw)) }),
    "POST validation": (raw: string) => {
      outcomes.set(parseControlBody(raw));
      return { status: 204 };
    },
    "DELETE validation": () => {
      outcomes.clear();
      return { status: 204 };
    },
    "GET registry-roles": () => ({ status: 200, body: roles }),
    "POST registry-roles": (raw: string) => {
      roles.update(parseControlBody(raw));
      return { status: 204 };
    },
    "DELETE registry-roles": () => {
      roles.clear();
      return { status: 204 };
    },
  };

  const server = await listen({
    host,
    port: options.port ?? 0,
    name: "ECR emulator",
    controlRoutes,
    handle: handleEcr,
    fail: (res, error) => sendEcrError(res, randomUUID(), 500, "ServerException", String(error)),
  });

  return {
    url: server.url,
    port: server.port,
    addFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    calls: () => [...calls],
    seed: (rule) => rules.seed({ ...rule }),
    setValidation: (outcome) => outcomes.set(outcome),
    clearValidation: () => outcomes.clear(),
    setRegistryRoles: (changes) => roles.update({ ...changes }),
    registryRoles: () => roles.toJSON(),
    reset,
    close: () => server.close(),
  };
};
