import { randomUUID } from "node:crypto";
import { type ServerResponse, STATUS_CODES } from "node:http";

/** A refusal of the launcher's own, in the service's problem+json shape (contract §3). */
export interface LocalProblem {
  readonly status: number;
  /** The kind in `urn:ecr-cache-rules:problem:<kind>`. */
  readonly kind: string;
  readonly title: string;
  readonly detail: string;
  readonly code: string;
}

interface RenderedProblem {
  readonly requestId: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The body and headers of `problem`, with a fresh request id in `requestId` and `x-request-id`. */
const render = (problem: LocalProblem): RenderedProblem => {
  const requestId = randomUUID();
  const body = JSON.stringify({
    type: `urn:ecr-cache-rules:problem:${problem.kind}`,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    requestId,
  });
  return {
    requestId,
    body,
    headers: {
      "Content-Type": "application/problem+json",
      "Cache-Control": "no-store",
      "x-request-id": requestId,
      "Content-Length": String(Buffer.byteLength(body)),
    },
  };
};

/** Answers `problem` on `response`; returns the request id it carries. */
export const sendProblem = (response: ServerResponse, problem: LocalProblem): string => {
  const { requestId, headers, body } = render(problem);
  response.writeHead(problem.status, headers);
  response.end(body);
  return requestId;
};

/** `problem` as a whole HTTP/1.1 response, for a socket that has no request (and closes). */
export const problemMessage = (problem: LocalProblem): string => {
  const { headers, body } = render(problem);
  const lines = Object.entries({ ...headers, Connection: "close" }).map(([n, v]) => `${n}: ${v}`);
  return `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ""}\r\n${lines.join("\r\n")}\r\n\r\n${body}`;
};
