/**
 * The HTTP plumbing both local AWS emulators (ECR here, STS in `dev/sts-emulator/`) share:
 * bounded body reading, answers with a length, the `/__emulator/` control routes, and a server
 * whose `close()` does not wait for hanging or keep-alive connections.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { ControlRequestError, parseControlBody } from "./control.js";
import type { FaultAction, FaultQueue } from "./faults.js";

/** The path prefix of every control endpoint. */
export const CONTROL_PREFIX = "/__emulator/";

const MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLargeError extends Error {}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
};

/** Answers with `body` (UTF-8) and its `Content-Length`, or with no body at all. */
export const send = (
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body?: string,
): void => {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const payload = Buffer.from(body, "utf8");
  res.writeHead(status, { ...headers, "Content-Length": String(payload.length) }).end(payload);
};

/** The first value of a request header; Node joins repeated ones, a few into arrays. */
export const headerValue = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** What a control route answers: a status and, unless 204, a JSON body. */
export interface ControlAnswer {
  readonly status: number;
  readonly body?: unknown;
}

/**
 * A control endpoint: gets the raw body and the rest of the path after its own name (for
 * routes registered as `"GET name/*"`), and answers; a {@link ControlRequestError} it throws
 * becomes 400 with the message.
 */
export type ControlRoute = (raw: string, rest: string) => ControlAnswer | Promise<ControlAnswer>;

const sendControl = (res: ServerResponse, { status, body }: ControlAnswer): void =>
  send(
    res,
    status,
    body === undefined ? {} : { "Content-Type": "application/json" },
    body === undefined ? undefined : JSON.stringify(body),
  );

/**
 * Answers a request under {@link CONTROL_PREFIX} from `routes`, keyed `"METHOD name"` (exact) or
 * `"METHOD name/*"` (any path below `name/`); anything else is 404.
 */
const answerControl = async (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  raw: string,
  routes: Readonly<Record<string, ControlRoute>>,
): Promise<void> => {
  const name = path.slice(CONTROL_PREFIX.length);
  const slash = name.indexOf("/");
  const exact = routes[`${req.method} ${name}`];
  const below = slash < 0 ? undefined : routes[`${req.method} ${name.slice(0, slash)}/*`];
  const route = exact ?? below;
  if (route === undefined) {
    sendControl(res, {
      status: 404,
      body: { message: `No emulator control endpoint ${req.method} ${path}.` },
    });
    return;
  }
  try {
    sendControl(res, await route(raw, exact === undefined ? name.slice(slash + 1) : ""));
  } catch (error) {
    if (!(error instanceof ControlRequestError)) throw error;
    sendControl(res, { status: 400, body: { message: error.message } });
  }
};

/**
 * The control routes every emulator has: faults (`POST`, `DELETE faults`), the calls log
 * (`GET`, `DELETE calls`) and `POST reset`.
 */
export const faultAndCallRoutes = (
  faults: FaultQueue,
  calls: unknown[],
  reset: () => void,
): Record<string, ControlRoute> => ({
  "POST faults": (raw) => {
    faults.add(parseControlBody(raw));
    return { status: 204 };
  },
  "DELETE faults": () => {
    faults.clear();
    return { status: 204 };
  },
  "GET calls": () => ({ status: 200, body: { calls } }),
  "DELETE calls": () => {
    calls.length = 0;
    return { status: 204 };
  },
  "POST reset": () => {
    reset();
    return { status: 204 };
  },
});

/** How an emulator writes the two faults whose answer is in its service's own format. */
export interface FaultAnswers {
  /** An error answer; `headers` holds the fault's `Retry-After`, if it has one. */
  readonly error: (
    fault: Extract<FaultAction, { kind: "error" }>,
    headers: Readonly<Record<string, string>>,
  ) => void;
  readonly literal: (fault: Extract<FaultAction, { kind: "literal" }>) => void;
}

/** Answers a request with an injected fault instead of running the operation. */
export const answerFault = (
  fault: FaultAction,
  req: IncomingMessage,
  res: ServerResponse,
  answers: FaultAnswers,
): void => {
  switch (fault.kind) {
    case "error":
      answers.error(
        fault,
        fault.retryAfter === undefined ? {} : { "Retry-After": String(fault.retryAfter) },
      );
      return;
    case "literal":
      answers.literal(fault);
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

/** What {@link listen} needs to know about the emulator it serves. */
export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /** The emulator's name in error messages, e.g. "ECR emulator". */
  readonly name: string;
  /** The control routes under {@link CONTROL_PREFIX}, as {@link answerControl} reads them. */
  readonly controlRoutes: Readonly<Record<string, ControlRoute>>;
  /**
   * Answers one request to the emulated service (any path outside {@link CONTROL_PREFIX}),
   * whose body has been read whole (at most 1 MiB; larger is 413).
   */
  readonly handle: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void>;
  /** Answers when `handle` throws before it has answered, in the emulated service's format. */
  readonly fail: (res: ServerResponse, error: unknown) => void;
}

/** A listening emulator server. */
export interface ListeningServer {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void>;
}

const formatUrl = (host: string, port: number): string =>
  `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

/** Starts an HTTP server for an emulator and resolves once it listens. */
export const listen = async (options: ListenOptions): Promise<ListeningServer> => {
  const sockets = new Set<Socket>();
  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        send(res, 413, { Connection: "close" });
      } else {
        req.socket.destroy();
      }
      return;
    }
    const path = new URL(req.url ?? "/", "http://emulator").pathname;
    if (path.startsWith(CONTROL_PREFIX)) {
      await answerControl(req, res, path, body.toString("utf8"), options.controlRoutes);
    } else {
      await options.handle(req, res, body);
    }
  };
  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
      } else {
        options.fail(res, error);
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error(`The ${options.name} is not listening on a TCP port.`);
  }

  let closing: Promise<void> | undefined;
  return {
    url: formatUrl(options.host, address.port),
    port: address.port,
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
