import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { ControlRequestError, parseControlBody } from "./control.js";
import { type FaultAction, type FaultProfile, FaultQueue, type FaultSpec } from "./faults.js";
import {
  ECR_OPERATIONS,
  isEcrOperation,
  isRulePrefix,
  type RuleDescription,
  RuleStore,
  type SeedRule,
} from "./rules.js";
import { EcrError, isJsonObject } from "./validation.js";
import { type ValidationOutcome, ValidationOutcomes } from "./validation-outcomes.js";

/** Where the emulator listens and which registry it treats as the caller's own. */
export interface EcrEmulatorOptions {
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Port to bind; default 0, a random free port (read it back from {@link EcrEmulator.port}). */
  port?: number;
  /** Registry used when a request omits `registryId`; default `123456789012`. */
  accountId?: string;
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
  /** Forgets rules, faults, calls and forced validation answers, as `POST /__emulator/reset` does. */
  reset(): void;
  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void>;
}

const TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";
const CONTROL_PREFIX = "/__emulator/";
const AMZ_JSON = "application/x-amz-json-1.1";
const MAX_BODY_BYTES = 1024 * 1024;
const ACCOUNT_ID = /^[0-9]{12}$/;

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

class BodyTooLargeError extends Error {}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
};

const send = (
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body?: string,
): void => {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const payload = Buffer.from(body, "utf8");
  res.writeHead(status, { ...headers, "Content-Length": String(payload.length) }).end(payload);
};

const sendEcr = (res: ServerResponse, requestId: string, status: number, body: unknown): void =>
  send(
    res,
    status,
    { "Content-Type": AMZ_JSON, "x-amzn-RequestId": requestId },
    JSON.stringify(body),
  );

const sendEcrError = (
  res: ServerResponse,
  requestId: string,
  status: number,
  type: string,
  message: string,
  extraHeaders: Record<string, string> = {},
): void =>
  send(
    res,
    status,
    { "Content-Type": AMZ_JSON, "x-amzn-RequestId": requestId, ...extraHeaders },
    JSON.stringify({ __type: type, message }),
  );

const sendControl = (res: ServerResponse, status: number, body?: unknown): void =>
  send(
    res,
    status,
    body === undefined ? {} : { "Content-Type": "application/json" },
    body === undefined ? undefined : JSON.stringify(body),
  );

const headerValue = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const formatUrl = (host: string, port: number): string =>
  `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

/**
 * Starts a local Amazon ECR emulator speaking AWS JSON 1.1, enough of it for the pull through
 * cache rule operations of `@aws-sdk/client-ecr` (create, describe, update, delete, validate),
 * with state kept in memory per registry and a control API under `/__emulator/` for fault
 * injection and for inspecting the requests received.
 */
export const startEcrEmulator = async (options: EcrEmulatorOptions = {}): Promise<EcrEmulator> => {
  const host = options.host ?? "127.0.0.1";
  const accountId = options.accountId ?? "123456789012";
  if (!ACCOUNT_ID.test(accountId)) {
    throw new RangeError(`accountId must be 12 digits, got '${accountId}'.`);
  }

  const outcomes = new ValidationOutcomes(isRulePrefix);
  const rules = new RuleStore(accountId, outcomes);
  const faults = new FaultQueue(ECR_FAULTS);
  const calls: RecordedCall[] = [];
  const sockets = new Set<Socket>();
  const reset = (): void => {
    rules.reset();
    faults.clear();
    outcomes.clear();
    calls.length = 0;
  };

  const applyFault = (
    fault: FaultAction,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): void => {
    switch (fault.kind) {
      case "error":
        sendEcrError(
          res,
          requestId,
          fault.status,
          fault.errorType,
          fault.message,
          fault.retryAfter === undefined ? {} : { "Retry-After": String(fault.retryAfter) },
        );
        return;
      case "literal":
        send(
          res,
          fault.status,
          { "Content-Type": AMZ_JSON, "x-amzn-RequestId": requestId },
          fault.body,
        );
        return;
      case "non-json":
        send(res, fault.status, { "Content-Type": "text/html" }, "<html>Bad Gateway</html>");
        return;
      case "reset":
        req.socket.resetAndDestroy();
        return;
      case "hang":
        // Deliberately never answered; close() destroys the socket if the client does not.
        return;
    }
  };

  const handleEcr = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const requestId = randomUUID();
    const target = headerValue(req, "x-amz-target");
    const operation = target?.startsWith(TARGET_PREFIX)
      ? target.slice(TARGET_PREFIX.length)
      : (target ?? "");
    let body: unknown = raw;
    let isJson = false;
    try {
      body = JSON.parse(raw);
      isJson = true;
    } catch {
      // Recorded as text; answered below with SerializationException unless a fault comes first.
    }
    calls.push({ operation, body, at: new Date().toISOString() });

    const fault = faults.take(operation);
    if (fault !== undefined) {
      applyFault(fault, req, res, requestId);
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
      sendEcr(res, requestId, 200, rules.execute(operation, body));
    } catch (error) {
      if (error instanceof EcrError) {
        sendEcrError(res, requestId, error.status, error.type, error.message);
      } else {
        sendEcrError(res, requestId, 500, "ServerException", String(error));
      }
    }
  };

  const handleControl = (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    raw: string,
  ): void => {
    try {
      switch (`${req.method} ${path.slice(CONTROL_PREFIX.length)}`) {
        case "POST faults":
          faults.add(parseControlBody(raw));
          sendControl(res, 204);
          return;
        case "DELETE faults":
          faults.clear();
          sendControl(res, 204);
          return;
        case "GET calls":
          sendControl(res, 200, { calls });
          return;
        case "DELETE calls":
          calls.length = 0;
          sendControl(res, 204);
          return;
        case "POST rules":
          sendControl(res, 201, rules.seed(parseControlBody(raw)));
          return;
        case "POST validation":
          outcomes.set(parseControlBody(raw));
          sendControl(res, 204);
          return;
        case "DELETE validation":
          outcomes.clear();
          sendControl(res, 204);
          return;
        case "POST reset":
          reset();
          sendControl(res, 204);
          return;
        default:
          sendControl(res, 404, { message: `No emulator control endpoint ${req.method} ${path}.` });
      }
    } catch (error) {
      if (error instanceof ControlRequestError || error instanceof EcrError) {
        sendControl(res, 400, { message: error.message });
        return;
      }
      throw error;
    }
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://emulator").pathname;
    let raw: string;
    try {
      raw = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        send(res, 413, { Connection: "close" });
      } else {
        req.socket.destroy();
      }
      return;
    }
    if (path.startsWith(CONTROL_PREFIX)) {
      handleControl(req, res, path, raw);
    } else {
      handleEcr(req, res, raw);
    }
  };

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
      } else {
        sendEcrError(res, randomUUID(), 500, "ServerException", String(error));
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("The ECR emulator is not listening on a TCP port.");
  }

  let closing: Promise<void> | undefined;
  return {
    url: formatUrl(host, address.port),
    port: address.port,
    addFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    calls: () => [...calls],
    seed: (rule) => rules.seed({ ...rule }),
    setValidation: (outcome) => outcomes.set(outcome),
    clearValidation: () => outcomes.clear(),
    reset,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // Keep-alive and hanging connections would otherwise hold server.close() open forever.
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
};
