/**
 * The local API's one TCP port: a small reverse proxy on loopback in front of serverless-offline
 * (which listens on a private Unix socket). It refuses what must never reach the function (see
 * `request-gate.ts`), forwards everything else as it came (the request's headers in their order
 * and spelling; of the answer's, all but those about the connection), and holds requests while
 * the function restarts, so that the port never changes hands.
 * @module
 */
import { once } from "node:events";
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { type LocalProblem, problemMessage, sendProblem } from "./local-problem.js";
import { refusal } from "./request-gate.js";

/** A first start or a restart takes a few seconds; a held request waits at most this long. */
const HOLD_TIMEOUT_MS = 60_000;

/** Headers about one connection, not the message: never passed from one hop to the next. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

const UNAVAILABLE: LocalProblem = {
  status: 503,
  kind: "local-api-unavailable",
  title: "Local API unavailable",
  detail:
    "The local API Gateway emulation is not running (npm start is starting, restarting or stopping).",
  code: "LocalApiUnavailable",
};

const BROKEN: LocalProblem = {
  status: 502,
  kind: "local-api-failed",
  title: "Local API failed",
  detail:
    "The local API Gateway emulation closed the connection without an answer; see npm start's output.",
  code: "LocalApiFailed",
};

const MALFORMED: LocalProblem = {
  status: 400,
  kind: "malformed-request",
  title: "Malformed request",
  detail: "The request is not well-formed HTTP/1.1.",
  code: "MalformedRequest",
};

const HEADERS_TOO_LARGE: LocalProblem = {
  status: 431,
  kind: "request-headers-too-large",
  title: "Request headers too large",
  detail: "The request's headers are larger than Node.js accepts (16 KiB by default).",
  code: "RequestHeadersTooLarge",
};

const REQUEST_TIMEOUT: LocalProblem = {
  status: 408,
  kind: "request-timeout",
  title: "Request timeout",
  detail: "The request did not arrive in time.",
  code: "RequestTimeout",
};

export interface FrontDoorOptions {
  readonly host: string;
  readonly port: number;
  /** Told about every refused request, in one line. */
  readonly onRefusal: (line: string) => void;
}

export interface FrontDoor {
  readonly url: string;
  /** Sends requests to the backend on `socketPath` from now on; `undefined` holds them. */
  route(socketPath: string | undefined): void;
  /** Stops listening, answers held requests 503 and drops every connection. */
  close(): Promise<void>;
}

const responseHeaders = (raw: readonly string[]): string[] => {
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [name = "", value = ""] = [raw[i], raw[i + 1]];
    if (!HOP_BY_HOP.has(name.toLowerCase())) kept.push(name, value);
  }
  return kept;
};

/** Listens on `host:port`; rejects when the port is taken. */
export const openFrontDoor = async (options: FrontDoorOptions): Promise<FrontDoor> => {
  const agent = new Agent({ keepAlive: true });
  let target: string | undefined;
  let closing = false;
  const held = new Set<(socketPath: string | undefined) => void>();

  const backend = (): Promise<string | undefined> => {
    if (target !== undefined || closing) return Promise.resolve(target);
    return new Promise((resolve) => {
      const release = (socketPath: string | undefined) => {
        clearTimeout(timer);
        held.delete(release);
        resolve(socketPath);
      };
      const timer = setTimeout(() => release(undefined), HOLD_TIMEOUT_MS);
      held.add(release);
    });
  };

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, socketPath: string) => {
    const upstream = request(
      {
        socketPath,
        agent,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.rawHeaders,
      },
      (answer) => {
        outgoing.writeHead(
          answer.statusCode ?? 502,
          answer.statusMessage,
          responseHeaders(answer.rawHeaders),
        );
        pipeline(answer, outgoing).catch(() => outgoing.destroy());
      },
    );
    upstream.on("error", () => {
      if (outgoing.headersSent) outgoing.destroy();
      else sendProblem(outgoing, BROKEN);
    });
    outgoing.on("close", () => {
      if (!outgoing.writableFinished) upstream.destroy();
    });
    pipeline(incoming, upstream).catch(() => upstream.destroy());
  };

  const server = createServer(async (incoming, outgoing) => {
    const problem = refusal(incoming.headers, options.port);
    if (problem !== undefined) {
      // Drain the body: the answer must not wait on an upload nobody reads.
      incoming.resume();
      const requestId = sendProblem(outgoing, problem);
      options.onRefusal(
        `refused ${incoming.method} ${incoming.url?.slice(0, 200)} (${problem.code}, x-request-id ${requestId}): ${problem.detail}`,
      );
      return;
    }
    const socketPath = await backend();
    if (socketPath === undefined) {
      incoming.resume();
      sendProblem(outgoing, UNAVAILABLE);
      return;
    }
    forward(incoming, outgoing, socketPath);
  });

  // Requests Node's HTTP parser refuses before there is a request (malformed, headers too large)
  // get a problem too, instead of Node's bare status line.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) return;
    const problem =
      error.code === "HPE_HEADER_OVERFLOW"
        ? HEADERS_TOO_LARGE
        : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? REQUEST_TIMEOUT
          : MALFORMED;
    socket.end(problemMessage(problem));
  });

  server.listen(options.port, options.host);
  await once(server, "listening");
  return {
    url: `http://${options.host}:${options.port}`,
    route(socketPath) {
      target = socketPath;
      if (socketPath !== undefined) for (const release of [...held]) release(socketPath);
    },
    async close() {
      closing = true;
      target = undefined;
      for (const release of [...held]) release(undefined);
      const closed = once(server, "close");
      server.close();
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
};
