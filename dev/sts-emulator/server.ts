import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ControlRequestError, parseControlBody } from "../ecr-emulator/control.js";
import { type FaultProfile, FaultQueue, type FaultSpec } from "../ecr-emulator/faults.js";
import {
  answerFault,
  faultAndCallRoutes,
  headerValue,
  listen,
  send,
} from "../ecr-emulator/http.js";
import { claimedAccessKeyId } from "../ecr-emulator/sigv4.js";
import { emulatorAccountId } from "../ecr-emulator/validation.js";
import { assumeRoleXml, errorXml, readAssumeRole, StsError } from "./assume-role.js";
import { CredentialRegistry, credentialsToJson, parseRoleArn } from "./credentials.js";

/** Where the STS emulator listens, whose calls it takes, and which roles may be assumed. */
export interface StsEmulatorOptions {
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Port to bind; default 0, a random free port (read it back from {@link StsEmulator.port}). */
  port?: number;
  /**
   * Account of callers whose access key the emulator did not issue, as AccessDenied names them
   * (`arn:aws:iam::ACCOUNT:user/ACCESS_KEY_ID`); default `123456789012`.
   */
  accountId?: string;
  /**
   * The role ARNs AssumeRole may assume; any other is 403 AccessDenied. Default: every IAM role
   * ARN. `reset()` comes back to this list. An entry that is not an IAM role ARN makes the start
   * fail with a `ControlRequestError`.
   */
  assumableRoles?: readonly string[];
  /** The registry to record issued credentials in; default a new one. */
  credentials?: CredentialRegistry;
}

/** One request the STS endpoint received, as listed by `GET /__emulator/calls`. */
export interface StsRecordedCall {
  /** The `Action` parameter; `""` when there was none. */
  readonly action: string;
  /** Every Query parameter, from the form body and the URL. */
  readonly params: Readonly<Record<string, string>>;
  readonly roleArn: string | null;
  readonly roleSessionName: string | null;
  /** The access key id of the credentials issued; null when the call was refused or faulted. */
  readonly issuedAccessKeyId: string | null;
  /** The access key id in the request's `Authorization` header; null when unsigned. */
  readonly signedWith: string | null;
  /** When the request arrived, as an ISO 8601 timestamp. */
  readonly at: string;
}

/**
 * A running STS emulator. Besides the HTTP control API under `/__emulator/`, the same controls
 * are available in-process.
 */
export interface StsEmulator {
  /** Base URL to pass as the STS client's endpoint, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly port: number;
  /** Every set of credentials issued: pass it to `startEcrEmulator({ credentials })`. */
  readonly credentials: CredentialRegistry;
  /** Queues a fault, as `POST /__emulator/faults` does; throws for an invalid specification. */
  addFault(spec: FaultSpec): void;
  /** Drops every queued fault, as `DELETE /__emulator/faults` does. */
  clearFaults(): void;
  /** Every STS request received so far, in arrival order, as `GET /__emulator/calls` lists them. */
  calls(): StsRecordedCall[];
  /**
   * Restricts AssumeRole to these role ARNs (`undefined`: every role), as
   * `PUT /__emulator/roles` does; throws {@link ControlRequestError} for an entry that is not an
   * IAM role ARN.
   */
  setAssumableRoles(roles: readonly string[] | undefined): void;
  /**
   * Forgets faults, calls and issued credentials (requests signed with them are then refused
   * by an ECR emulator that shares the registry) and comes back to the assumable roles of the
   * options, as `POST /__emulator/reset` does.
   */
  reset(): void;
  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void>;
}

// The issued key is only known once the call has been answered.
type MutableCall = { -readonly [K in keyof StsRecordedCall]: StsRecordedCall[K] };

const API_VERSION = "2011-06-15";
const FORM = "application/x-www-form-urlencoded";

const STS_FAULTS: FaultProfile = {
  service: "STS",
  operations: ["AssumeRole"],
  kinds: ["throttle", "server-error", "hang", "reset", "error", "literal"],
  throttle: { status: 400, errorType: "Throttling", message: "Rate exceeded" },
  serverError: {
    status: 500,
    errorType: "InternalFailure",
    message: "The request processing has failed because of an unknown error, exception or failure.",
  },
  jsonBodies: false,
};

const sendXml = (
  res: ServerResponse,
  status: number,
  requestId: string,
  body: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): void =>
  send(
    res,
    status,
    { "Content-Type": "text/xml", "x-amzn-RequestId": requestId, ...extraHeaders },
    body,
  );

const sendError = (
  res: ServerResponse,
  requestId: string,
  error: StsError,
  extraHeaders: Readonly<Record<string, string>> = {},
): void =>
  sendXml(
    res,
    error.status,
    requestId,
    errorXml(error.code, error.message, error.status, requestId),
    extraHeaders,
  );

// The SDK sends a form body; STS also takes the parameters in the URL, as GET requests do.
const readParams = (req: IncomingMessage, raw: string): Record<string, string> => {
  const params: Record<string, string> = Object.fromEntries(
    new URL(req.url ?? "/", "http://emulator").searchParams,
  );
  const contentType = headerValue(req, "content-type") ?? "";
  if (contentType.split(";")[0]?.trim().toLowerCase() === FORM) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
  }
  return params;
};

const checkRoles = (roles: unknown): string[] => {
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === "string")) {
    throw new ControlRequestError('"roles" must be a list of IAM role ARNs, or null for any role.');
  }
  const invalid = roles.find((role) => parseRoleArn(role) === undefined);
  if (invalid !== undefined) {
    throw new ControlRequestError(`"${invalid}" is not an IAM role ARN.`);
  }
  return roles;
};

/**
 * Starts a local AWS STS emulator speaking the Query protocol as `@aws-sdk/client-sts` (and the
 * SDK's own credential providers) send it: `AssumeRole` with STS's validation, XML answers and
 * errors, and fresh temporary credentials per call, recorded in a {@link CredentialRegistry}
 * that the ECR emulator checks signatures against. A control API under `/__emulator/` injects
 * faults and lists the calls received.
 */
export const startStsEmulator = async (options: StsEmulatorOptions = {}): Promise<StsEmulator> => {
  const host = options.host ?? "127.0.0.1";
  const accountId = emulatorAccountId(options.accountId);
  // Never mutated: reset() goes back to the same set.
  const initialAssumable =
    options.assumableRoles === undefined
      ? undefined
      : new Set(checkRoles([...options.assumableRoles]));

  const credentials = options.credentials ?? new CredentialRegistry();
  const faults = new FaultQueue(STS_FAULTS);
  const calls: MutableCall[] = [];
  let assumable: ReadonlySet<string> | undefined = initialAssumable;
  const setAssumableRoles = (roles: readonly string[] | undefined): void => {
    assumable = roles === undefined ? undefined : new Set(checkRoles([...roles]));
  };
  const reset = (): void => {
    faults.clear();
    calls.length = 0;
    credentials.clear();
    assumable = initialAssumable;
  };

  // A caller signed with credentials this emulator issued is that role session (role chaining).
  const callerArn = (signedWith: string | null): string => {
    const issued = signedWith === null ? undefined : credentials.lookup(signedWith);
    return issued?.assumedRoleArn ?? `arn:aws:iam::${accountId}:user/${signedWith ?? "anonymous"}`;
  };

  const assumeRole = (
    params: Readonly<Record<string, string>>,
    signedWith: string | null,
    requestId: string,
  ): { readonly xml: string; readonly accessKeyId: string } => {
    const request = readAssumeRole(params);
    if (assumable !== undefined && !assumable.has(request.roleArn)) {
      throw new StsError(
        "AccessDenied",
        `User: ${callerArn(signedWith)} is not authorized to perform: sts:AssumeRole on resource: ${request.roleArn}`,
        403,
      );
    }
    const issued = credentials.issue(request);
    return {
      xml: assumeRoleXml(issued, request.sourceIdentity, requestId),
      accessKeyId: issued.accessKeyId,
    };
  };

  const handleSts = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const requestId = randomUUID();
    const params = readParams(req, raw);
    const action = params["Action"] ?? "";
    const signedWith = claimedAccessKeyId(headerValue(req, "authorization"));
    const call: MutableCall = {
      action,
      params,
      roleArn: params["RoleArn"] ?? null,
      roleSessionName: params["RoleSessionName"] ?? null,
      issuedAccessKeyId: null,
      signedWith,
      at: new Date().toISOString(),
    };
    calls.push(call);

    const fault = faults.take(action);
    if (fault !== undefined) {
      answerFault(fault, req, res, {
        error: ({ status, errorType, message }, headers) =>
          sendError(res, requestId, new StsError(errorType, message, status), headers),
        literal: ({ status, body }) => sendXml(res, status, requestId, body),
      });
      return;
    }
    try {
      if (action === "") throw new StsError("MissingAction", "Missing Action");
      const version = params["Version"] ?? "NO_VERSION_SPECIFIED";
      if (action !== "AssumeRole" || version !== API_VERSION) {
        throw new StsError(
          "InvalidAction",
          `Could not find operation ${action} for version ${version}`,
        );
      }
      const { xml, accessKeyId } = assumeRole(params, signedWith, requestId);
      call.issuedAccessKeyId = accessKeyId;
      sendXml(res, 200, requestId, xml);
    } catch (error) {
      if (!(error instanceof StsError)) throw error;
      sendError(res, requestId, error);
    }
  };

  const controlRoutes = {
    ...faultAndCallRoutes(faults, calls, reset),
    "GET credentials/*": (_raw: string, accessKeyId: string) => {
      const issued = credentials.lookup(decodeURIComponent(accessKeyId));
      return issued === undefined
        ? { status: 404, body: { message: `No credentials were issued as ${accessKeyId}.` } }
        : { status: 200, body: credentialsToJson(issued) };
    },
    "GET roles": () => ({
      status: 200,
      body: { roles: assumable === undefined ? null : [...assumable] },
    }),
    "PUT roles": (raw: string) => {
      const body = parseControlBody(raw);
      const { roles } = body;
      if (Object.keys(body).some((name) => name !== "roles") || roles === undefined) {
        throw new ControlRequestError('The body must be {"roles": [...]} or {"roles": null}.');
      }
      assumable = roles === null ? undefined : new Set(checkRoles(roles));
      return { status: 204 };
    },
  };

  const server = await listen({
    host,
    port: options.port ?? 0,
    name: "STS emulator",
    controlRoutes,
    handle: async (req, res, body) => handleSts(req, res, body.toString("utf8")),
    fail: (res, error) => {
      const requestId = randomUUID();
      sendError(res, requestId, new StsError("InternalFailure", String(error), 500));
    },
  });

  return {
    url: server.url,
    port: server.port,
    credentials,
    addFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    calls: () => calls.map((call) => ({ ...call })),
    setAssumableRoles,
    reset,
    close: () => server.close(),
  };
};
