/**
 * A loopback ECR endpoint that speaks just enough of the JSON 1.1 protocol for
 * `CreatePullThroughCacheRule`: every call succeeds and nothing is stored, so each invocation takes
 * the same path however often the same prefix is created. Runs in its own process (see
 * `startEcrStub`), so its work is never counted in a child's CPU time or the orchestrator's.
 * @module
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

const CREATE_TARGET = "AmazonEC2ContainerRegistry_V20150921.CreatePullThroughCacheRule";
const AMZ_JSON = "application/x-amz-json-1.1";

interface CreateRequest {
  readonly registryId?: unknown;
  readonly ecrRepositoryPrefix?: unknown;
  readonly upstreamRegistryUrl?: unknown;
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
};

const answer = (res: ServerResponse, status: number, body: object): void => {
  const payload = Buffer.from(JSON.stringify(body), "utf8");
  res
    .writeHead(status, {
      "Content-Type": AMZ_JSON,
      "Content-Length": String(payload.length),
      "x-amzn-RequestId": randomUUID(),
    })
    .end(payload);
};

const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const text = await readBody(req);
  // Anything else means the benchmark is not exercising the path it claims to: fail loudly.
  if (req.method !== "POST" || req.headers["x-amz-target"] !== CREATE_TARGET) {
    answer(res, 400, {
      __type: "InvalidParameterException",
      message: `stub answers only ${CREATE_TARGET}`,
    });
    return;
  }
  const request: CreateRequest = JSON.parse(text);
  answer(res, 200, {
    ecrRepositoryPrefix: request.ecrRepositoryPrefix,
    upstreamRegistryUrl: request.upstreamRegistryUrl,
    registryId: request.registryId,
    createdAt: Math.floor(Date.now() / 1000),
  });
};

/**
 * Serves on 127.0.0.1 (a free port) and prints `{"port":…}` on stdout once it listens, and
 * `{"requests":…,"connections":…}` when told to stop: few connections for many requests show
 * that the SDK kept its connection alive, as it does against the real endpoint.
 */
const serve = (): void => {
  let requests = 0;
  let connections = 0;
  const server = createServer((req, res) => {
    requests += 1;
    handle(req, res).catch((error: unknown) => {
      answer(res, 500, { __type: "ServerException", message: String(error) });
    });
  });
  server.on("connection", () => {
    connections += 1;
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  });
  // The orchestrator closes stdin when it is done, or dies: either way, stop serving.
  process.stdin.resume();
  process.stdin.on("end", () => {
    process.stdout.write(`${JSON.stringify({ requests, connections })}\n`, () => process.exit(0));
  });
};

serve();
