/**
 * A loopback endpoint for ECR and STS that speaks just enough of their protocols for the
 * benchmark's requests: ECR's JSON 1.1 `CreatePullThroughCacheRule` (every call succeeds and
 * nothing is stored, so each invocation takes the same path however often the same prefix is
 * created) and `DescribePullThroughCacheRules` (a fixed set of rules, by prefix or as a list),
 * and STS's Query `AssumeRole` (XML, as `dev/sts-emulator/` and STS answer it). Runs in its own
 * process (see `startEcrStub`), so its work is never counted in a child's CPU time or the
 * orchestrator's.
 * @module
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

const ECR_TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";
const AMZ_JSON = "application/x-amz-json-1.1";
const FORM = "application/x-www-form-urlencoded";
const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** What the stub counts, by operation; anything else it refuses and counts as `refused`. */
type StubOperation =
  | "CreatePullThroughCacheRule"
  | "DescribePullThroughCacheRules"
  | "AssumeRole"
  | "refused";

/** A request the stub cannot answer as ECR or STS would: the benchmark must not go on. */
class Refusal extends Error {}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
};

const send = (res: ServerResponse, status: number, contentType: string, body: string): void => {
  const payload = Buffer.from(body, "utf8");
  res
    .writeHead(status, {
      "Content-Type": contentType,
      "Content-Length": String(payload.length),
      "x-amzn-RequestId": randomUUID(),
    })
    .end(payload);
};

const answerJson = (res: ServerResponse, status: number, body: object): void =>
  send(res, status, AMZ_JSON, JSON.stringify(body));

// ---------------------------------------------------------------------------------------------
// ECR

/** When the stub's rules were created and last updated: ECR answers epoch seconds, with millis. */
const CREATED_AT = 1_764_000_000.123;
const UPDATED_AT = 1_764_086_400.456;

/** The rules a registry holds: one per upstream of the shipped policy, as it would create them. */
const storedRules = (registryId: string, region: string) =>
  [
    { ecrRepositoryPrefix: "ecr-public", upstreamRegistryUrl: "public.ecr.aws" },
    { ecrRepositoryPrefix: "k8s", upstreamRegistryUrl: "registry.k8s.io" },
    { ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" },
    {
      ecrRepositoryPrefix: "docker-hub",
      upstreamRegistryUrl: "registry-1.docker.io",
      upstreamRegistry: "docker-hub",
      credentialArn: `arn:aws:secretsmanager:${region}:${registryId}:secret:ecr-pullthroughcache/docker-hub`,
    },
    {
      ecrRepositoryPrefix: "ghcr",
      upstreamRegistryUrl: "ghcr.io",
      upstreamRegistry: "github-container-registry",
      credentialArn: `arn:aws:secretsmanager:${region}:${registryId}:secret:ecr-pullthroughcache/ghcr`,
    },
  ].map((rule) => ({ ...rule, registryId, createdAt: CREATED_AT, updatedAt: UPDATED_AT }));

/** The Region of a SigV4 signature's credential scope: the client's, as ECR would serve it. */
const signedRegion = (req: IncomingMessage): string => {
  const region = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(req.headers.authorization ?? "");
  if (region?.[1] === undefined) throw new Refusal("the request carries no SigV4 signature");
  return region[1];
};

const textOf = (value: unknown, name: string): string => {
  if (typeof value !== "string") throw new Refusal(`${name} is missing`);
  return value;
};

const ecr = (req: IncomingMessage, res: ServerResponse, text: string): StubOperation => {
  const target = String(req.headers["x-amz-target"]).slice(ECR_TARGET_PREFIX.length);
  const request: Record<string, unknown> = JSON.parse(text);
  const registryId = textOf(request["registryId"], "registryId");
  if (target === "CreatePullThroughCacheRule") {
    answerJson(res, 200, {
      ecrRepositoryPrefix: textOf(request["ecrRepositoryPrefix"], "ecrRepositoryPrefix"),
      upstreamRegistryUrl: textOf(request["upstreamRegistryUrl"], "upstreamRegistryUrl"),
      registryId,
      createdAt: Math.floor(Date.now() / 1000),
    });
    return target;
  }
  if (target === "DescribePullThroughCacheRules") {
    const rules = storedRules(registryId, signedRegion(req));
    const prefixes = request["ecrRepositoryPrefixes"];
    if (Array.isArray(prefixes)) {
      const found = rules.filter((rule) => prefixes.includes(rule.ecrRepositoryPrefix));
      // ECR's answer to a filter naming a prefix it does not hold.
      if (found.length < prefixes.length) {
        answerJson(res, 400, {
          __type: "PullThroughCacheRuleNotFoundException",
          message: "The pull through cache rule was not found.",
        });
        return target;
      }
      answerJson(res, 200, { pullThroughCacheRules: found });
      return target;
    }
    const maxResults = typeof request["maxResults"] === "number" ? request["maxResults"] : 100;
    answerJson(res, 200, { pullThroughCacheRules: rules.slice(0, maxResults) });
    return target;
  }
  throw new Refusal(`the stub answers no ECR ${target}`);
};

// ---------------------------------------------------------------------------------------------
// STS

// Fixed for the stub's life, with the lengths STS gives them: one session per request is what
// the service's path costs, not the stub's key generation.
const SECRET_ACCESS_KEY = randomBytes(30).toString("base64");
const SESSION_TOKEN = randomBytes(600).toString("base64");
let issued = 0;

/** ISO 8601 in whole seconds, as STS writes `Expiration`. */
const wholeSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, "Z");

const sts = (res: ServerResponse, text: string): StubOperation => {
  const params = new URLSearchParams(text);
  if (params.get("Action") !== "AssumeRole") {
    throw new Refusal(`the stub answers no STS ${params.get("Action")}`);
  }
  const roleArn = textOf(params.get("RoleArn") ?? undefined, "RoleArn");
  const sessionName = textOf(params.get("RoleSessionName") ?? undefined, "RoleSessionName");
  const role = /^arn:([\w-]+):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  if (role === null) throw new Refusal(`${roleArn} is not an IAM role ARN`);
  const [, partition, account, roleName] = role;
  const seconds = Number(params.get("DurationSeconds") ?? "3600");
  issued += 1;
  const accessKeyId = `ASIA${String(issued).padStart(16, "0")}`;
  const xml = [
    `<AssumeRoleResponse xmlns="${STS_NAMESPACE}">`,
    "  <AssumeRoleResult>",
    "    <AssumedRoleUser>",
    `      <AssumedRoleId>AROABENCHSTUBROLEID01:${sessionName}</AssumedRoleId>`,
    `      <Arn>arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}</Arn>`,
    "    </AssumedRoleUser>",
    "    <Credentials>",
    `      <AccessKeyId>${accessKeyId}</AccessKeyId>`,
    `      <SecretAccessKey>${SECRET_ACCESS_KEY}</SecretAccessKey>`,
    `      <SessionToken>${SESSION_TOKEN}</SessionToken>`,
    `      <Expiration>${wholeSeconds(new Date(Date.now() + seconds * 1000))}</Expiration>`,
    "    </Credentials>",
    "  </AssumeRoleResult>",
    "  <ResponseMetadata>",
    `    <RequestId>${randomUUID()}</RequestId>`,
    "  </ResponseMetadata>",
    "</AssumeRoleResponse>",
    "",
  ].join("\n");
  send(res, 200, "text/xml", xml);
  return "AssumeRole";
};

// ---------------------------------------------------------------------------------------------

const handle = async (req: IncomingMessage, res: ServerResponse): Promise<StubOperation> => {
  const text = await readBody(req);
  const target = req.headers["x-amz-target"];
  const contentType = req.headers["content-type"] ?? "";
  try {
    if (req.method === "POST" && typeof target === "string") {
      if (target.startsWith(ECR_TARGET_PREFIX)) return ecr(req, res, text);
    } else if (req.method === "POST" && contentType.startsWith(FORM)) {
      return sts(res, text);
    }
    throw new Refusal(`the stub answers no ${req.method} ${req.url} (${contentType})`);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    // Whatever the client makes of it, the child's status check stops the run: fail loudly.
    answerJson(res, 400, { __type: "InvalidParameterException", message: error.message });
    return "refused";
  }
};

/**
 * Serves on 127.0.0.1 (a free port) and prints `{"port":…}` on stdout once it listens, and
 * `{"requests":…,"connections":…,"operations":{…}}` when told to stop: few connections for many
 * requests show that the SDK kept its connections alive, as it does against the real endpoints.
 */
const serve = (): void => {
  let requests = 0;
  let connections = 0;
  const operations: Partial<Record<StubOperation, number>> = {};
  const server = createServer((req, res) => {
    requests += 1;
    handle(req, res).then(
      (operation) => {
        operations[operation] = (operations[operation] ?? 0) + 1;
      },
      (error: unknown) => {
        operations.refused = (operations.refused ?? 0) + 1;
        answerJson(res, 500, { __type: "ServerException", message: String(error) });
      },
    );
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
    process.stdout.write(`${JSON.stringify({ requests, connections, operations })}\n`, () =>
      process.exit(0),
    );
  });
};

serve();
