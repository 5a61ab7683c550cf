import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { appendFile, copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { type IncomingHttpHeaders, request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuleEvent, lambdaContext, openApiEvent } from "../fixtures/api-gateway-event.js";
import { handlerFor } from "../fixtures/handler.js";
import { groupGone, type LocalApi, startLocalApi } from "./local-api.js";

/**
 * `npm start` as a developer runs it, against a real AWS profile too: what it lets through, how
 * faithfully it answers as API Gateway would, what it prints, how it treats its policy file and
 * how it stops.
 */
const RULES = "/registries/123456789012/cache-rules";
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/policies/${name}`, import.meta.url));

interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

/** One request with exactly these headers (fetch cannot send another `Host`). */
const send = (
  api: LocalApi,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const url = new URL(path, api.url);
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: init.method ?? "GET",
        headers: init.headers,
      },
      (incoming) => {
        let text = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk: string) => {
          text += chunk;
        });
        incoming.on("end", () => {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // Not JSON: the test looks at text.
          }
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, body });
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(init.body);
  });

const portOf = (url: string): number => Number(new URL(url).port);

/** The function's log entries so far: every line of the output that is a JSON object. */
const logEntries = (api: LocalApi): Record<string, unknown>[] =>
  api
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const auditOf = (api: LocalApi, requestId: unknown) =>
  logEntries(api).find((entry) => entry["message"] === "audit" && entry["requestId"] === requestId);

/** Waits until `predicate` holds (log lines arrive a moment after the answer). */
const eventually = async (predicate: () => boolean, timeoutMs = 5_000): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, 50));
  }
  return true;
};

/** Runs `npm start` with `env` added to this process's environment, for a launch that must fail. */
const npmStartUntilExit = async (env: Record<string, string>) => {
  const npm = spawn("npm", ["start"], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  npm.stdout.on("data", collect);
  npm.stderr.on("data", collect);
  const [code] = (await once(npm, "exit")) as [number | null];
  return { code, output, pid: npm.pid ?? 0 };
};

const accessControlHeaders = (headers: IncomingHttpHeaders): string[] =>
  Object.keys(headers).filter((name) => name.toLowerCase().startsWith("access-control-"));

const isPortFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });

/** Linux: the pids of the process group `pgid`, with their command lines. */
const groupProcesses = (pgid: number): { pid: number; command: string }[] =>
  readdirSync("/proc")
    .filter((name) => /^[0-9]+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        const [, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const command = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ");
        return Number(pgrp) === pgid ? [{ pid: Number(name), command }] : [];
      } catch {
        return [];
      }
    });

/** Linux: the TCP ports the processes of group `pgid` listen on. */
const listeningPorts = (pgid: number): number[] => {
  const inodes = new Set<string>();
  for (const { pid } of groupProcesses(pgid)) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[([0-9]+)\]$/.exec(target)?.[1];
        if (inode !== undefined) inodes.add(inode);
      }
    } catch {
      // The process exited meanwhile.
    }
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"].filter(existsSync)) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (state === "0A" && inode !== undefined && inodes.has(inode) && local !== undefined) {
        ports.add(Number.parseInt(local.split(":")[1] ?? "", 16));
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
};

describe("npm start, against a policy it watches", () => {
  let api: LocalApi;
  let policyDir: string;
  let policyFile: string;

  beforeAll(async () => {
    policyDir = await mkdtemp(join(tmpdir(), "local-run-policy-"));
    policyFile = join(policyDir, "policy.yaml");
    await copyFile(fixture("service.yaml"), policyFile);
    // The SDK's Node.js version notice is npm start's to silence, not the test runner's.
    api = await startLocalApi({
      POLICY_FILE: policyFile,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
    });
  });

  afterAll(async () => {
    await api.stop();
    await rm(policyDir, { recursive: true, force: true });
  });

  describe("is quiet and readable", () => {
    it("logs cold_start true for the first request after a start and false after it", async () => {
      const first = await send(api, `${RULES}/first`);
      const second = await send(api, `${RULES}/second`);

      await eventually(() => auditOf(api, second.body["requestId"]) !== undefined);
      expect(auditOf(api, first.body["requestId"])).toMatchObject({
        cold_start: true,
        status: 404,
      });
      expect(auditOf(api, second.body["requestId"])).toMatchObject({
        cold_start: false,
        status: 404,
      });
    });

    it("writes each log entry, the audit line included, as one JSON object on one line", async () => {
      const answer = await send(api, "/openapi.json");

      await eventually(() => auditOf(api, answer.headers["x-request-id"]) !== undefined);
      const lines = api
        .output()
        .split("\n")
        .filter((line) => line.includes('"level":'));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    });

    it("prints no URL but ones that answer, and no route box or SDK notice", async () => {
      // The launcher's and serverless's lines, not the function's log entries.
      const printed = api
        .output()
        .split("\n")
        .filter((line) => !line.startsWith("{"))
        .join("\n");
      const urls = [...new Set(printed.match(/https?:\/\/[^\s)'",]+/g) ?? [])];

      const apiUrls = urls.filter((url) => url.startsWith(api.url));
      const emulators = [api.ecrEndpoint, api.stsEmulator];
      expect(urls.filter((url) => !url.startsWith(api.url) && !emulators.includes(url))).toEqual(
        [],
      );
      for (const url of apiUrls.filter((url) => url !== api.url)) {
        expect((await fetch(url)).status, url).toBe(200);
      }
      expect(api.output()).not.toMatch(/NodeVersionSupportWarning|\.sock|2015-03-31|┌/);
      expect(api.output()).not.toContain("does not support the AWS_IAM authorization type");
    });

    it("names the TypeScript sources in the stack trace of a failed request", async () => {
      await fetch(`${api.ecrEndpoint}/__emulator/faults`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ fault: "server-error", count: 3 }),
      });

      const answer = await send(api, RULES, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ecrRepositoryPrefix: "fails", upstreamRegistryUrl: "quay.io" }),
      });

      expect(answer.status).toBe(502);
      const failed = () =>
        logEntries(api).find(
          (entry) => entry["message"] === "request failed" && entry["code"] === "ServerException",
        );
      await eventually(() => failed() !== undefined);
      const stack = String(Reflect.get(Object(failed()?.["error"]), "stack"));
      expect(stack).toMatch(/src\/adapters\/[a-z-]+\.ts:[0-9]+:[0-9]+/);
      expect(stack).not.toMatch(/dist\/api\//);
    });
  });

  describe("is safe", () => {
    it("refuses a request for a host that is not a loopback name, before the function sees it", async () => {
      const answer = await send(api, `${RULES}/rebound`, { headers: { Host: "evil.example.com" } });

      expect(answer.status).toBe(403);
      expect(answer.headers["content-type"]).toBe("application/problem+json");
      expect(answer.body).toMatchObject({
        status: 403,
        code: "HostNotAllowed",
        requestId: answer.headers["x-request-id"],
      });
      await new Promise((done) => setTimeout(done, 300));
      expect(logEntries(api).some((entry) => entry["ecrRepositoryPrefix"] === "rebound")).toBe(
        false,
      );
    });

    it.each(["127.0.0.1", "localhost", "[::1]", "LOCALHOST"])(
      "answers a request for host %s, with or without the port",
      async (name) => {
        const port = portOf(api.url);

        const withPort = await send(api, "/openapi.json", { headers: { Host: `${name}:${port}` } });
        const without = await send(api, "/openapi.json", { headers: { Host: name } });

        expect([withPort.status, without.status]).toEqual([200, 200]);
      },
    );

    it("refuses a web page of another origin, its simple POSTs and its preflights alike", async () => {
      const origin = { Origin: "https://evil.example" };

      const sync = await send(api, `${RULES}/any/sync`, { method: "POST", headers: origin });
      const preflight = await send(api, RULES, {
        method: "OPTIONS",
        headers: { ...origin, "Access-Control-Request-Method": "POST" },
      });

      for (const answer of [sync, preflight]) {
        expect(answer.status).toBe(403);
        expect(answer.body).toMatchObject({ code: "CrossOriginRequest" });
        expect(accessControlHeaders(answer.headers)).toEqual([]);
      }
    });

    it("grants no CORS permission on any answer, not even to its own origin", async () => {
      const origin = { Origin: api.url };

      const answers = await Promise.all([
        send(api, `${RULES}/own`, { headers: origin }),
        send(api, "/no/such/route", { headers: origin }),
        send(api, RULES, {
          method: "OPTIONS",
          headers: { ...origin, "Access-Control-Request-Method": "POST" },
        }),
      ]);

      expect(answers.map((answer) => answer.status)).toEqual([404, 403, 403]);
      expect(answers.flatMap((answer) => accessControlHeaders(answer.headers))).toEqual([]);
    });

    it.runIf(process.platform === "linux")(
      "listens on no TCP port but the API's and the ECR and STS emulators': no Lambda invoke port",
      () => {
        expect(api.stsEmulator).toBeDefined();
        expect(listeningPorts(api.pid)).toEqual(
          [portOf(api.url), portOf(api.ecrEndpoint), portOf(api.stsEmulator ?? "")].sort(
            (a, b) => a - b,
          ),
        );
      },
    );
  });

  describe("answers as API Gateway does", () => {
    it.each([
      [
        "a JSON string holding an object",
        JSON.stringify(
          JSON.stringify({ ecrRepositoryPrefix: "ab", upstreamRegistryUrl: "quay.io" }),
        ),
      ],
      ["null", "null"],
      ["a JSON string", '"x"'],
      ["false", "false"],
      ["an array", "[]"],
    ])(
      "hands the function %s as sent, and answers as the deployed handler does",
      async (_, body) => {
        const handler = await handlerFor();

        const local = await send(api, RULES, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
        });
        const deployed = await handler(createRuleEvent(body), lambdaContext());

        const expected = JSON.parse(deployed.body) as Record<string, unknown>;
        expect(local.status).toBe(deployed.statusCode);
        expect(local.body).toMatchObject({ code: expected["code"], detail: expected["detail"] });
        expect(local.body).toMatchObject({ code: "InvalidBody", status: 400 });
      },
    );

    it("passes the function's Content-Type on exactly, without a charset", async () => {
      const handler = await handlerFor();

      const local = await send(api, "/openapi.json");
      const deployed = await handler(openApiEvent(), lambdaContext());

      expect(local.headers["content-type"]).toBe(deployed.headers?.["Content-Type"]);
    });

    it.each([
      ["an unknown path", "GET", "/no/such/route"],
      ["an unknown method", "PUT", RULES],
      ["HEAD", "HEAD", `${RULES}/head`],
      ["a preflight", "OPTIONS", RULES],
    ])("answers %s with API Gateway's own 403 problem", async (_, method, path) => {
      const answer = await send(api, path, { method });

      expect(answer.status).toBe(403);
      expect(answer.headers["content-type"]).toBe("application/problem+json");
      expect(answer.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      if (method !== "HEAD") {
        expect(answer.body).toEqual({
          type: "urn:ecr-cache-rules:problem:unsigned-request-or-unknown-route",
          title: "Request not signed, or no such route",
          status: 403,
          detail: "Sign the request with AWS Signature Version 4 and check the method and path.",
          code: "MISSING_AUTHENTICATION_TOKEN",
          requestId: answer.headers["x-request-id"],
        });
      }
    });

    it("answers a body over API Gateway's 10 MB limit with API Gateway's 413 problem", async () => {
      const answer = await send(api, RULES, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: `{"x":"${"a".repeat(10 * 1024 * 1024)}"}`,
      });

      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({
        type: "urn:ecr-cache-rules:problem:payload-too-large",
        code: "REQUEST_TOO_LARGE",
        requestId: answer.headers["x-request-id"],
      });
    });

    it("answers a request Node.js cannot parse (headers over 16 KiB) with a problem too", async () => {
      const answer = await send(api, `${RULES}/huge`, {
        headers: { "x-padding": "a".repeat(20_000) },
      });

      expect(answer.status).toBe(431);
      expect(answer.headers["content-type"]).toBe("application/problem+json");
      expect(answer.body).toMatchObject({ status: 431, requestId: answer.headers["x-request-id"] });
    });

    it("hands the function a malformed Cookie header instead of refusing the request", async () => {
      const answer = await send(api, `${RULES}/cookie`, { headers: { Cookie: 'a=b; ;c="' } });

      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ code: "PullThroughCacheRuleNotFoundException" });
    });
  });

  // Last: these restart the function.
  describe("applies an edit of its policy file", () => {
    const rule = { ecrRepositoryPrefix: "edited", upstreamRegistryUrl: "registry.example.org" };
    const create = () =>
      send(api, RULES, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(rule),
      });

    it("restarts the function with the new policy, holding requests meanwhile", async () => {
      const before = await create();

      await appendFile(policyFile, "  - url: registry.example.org\n");
      await eventually(
        () => api.output().includes("the function runs with the new policy"),
        20_000,
      );
      const after = await create();

      expect(before.body).toMatchObject({ code: "UpstreamNotAllowed" });
      // Through the policy now: the emulator, like ECR, does not support this upstream.
      expect(after.body).toMatchObject({ code: "UnsupportedUpstreamRegistryException" });
      expect(api.output()).toMatch(/policy\.yaml changed \(6 upstreams\); restarting the function/);
    });

    it("says loudly that an edited policy is broken, and then answers 503", async () => {
      await writeFile(policyFile, "version: 1\nversion: 1\nupstreams: []\n");
      await eventually(
        () => api.output().includes("the function runs with the broken policy"),
        20_000,
      );

      const answer = await send(api, `${RULES}/broken`);

      expect(api.output()).toMatch(
        /policy file \S+policy\.yaml is broken; restarting the function, which will answer every request with 503/,
      );
      expect(api.output()).toMatch(
        / {2}- .*: duplicate key: already given at line \d+, column \d+/,
      );
      expect(answer.body).toMatchObject({ status: 503, code: "PolicyUnavailable" });
    });
  });
});

describe("npm start with a broken POLICY_FILE and LOG_FORMAT=pretty", () => {
  let api: LocalApi;

  beforeAll(async () => {
    api = await startLocalApi({ POLICY_FILE: fixture("duplicate-key.yaml"), LOG_FORMAT: "pretty" });
  });

  afterAll(async () => {
    await api.stop();
  });

  it("reports the broken file and its cause before it says it is listening", () => {
    const output = api.output();
    const report = output.indexOf(
      "duplicate-key.yaml is broken; the function will answer every request with 503 PolicyUnavailable until it is fixed:",
    );

    expect(report).toBeGreaterThan(-1);
    expect(output.slice(report)).toMatch(
      /\n {2}- .*duplicate-key\.yaml:4:5: upstreams\[0\] \(evil\.example\.com\)\.url: duplicate key: already given at line 3, column 5/,
    );
    expect(report).toBeLessThan(output.indexOf("API listening on"));
  });

  it("writes one readable line per log entry", async () => {
    const answer = await send(api, `${RULES}/pretty`);

    expect(answer.status).toBe(503);
    const line = new RegExp(
      `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  audit GET /registries/\\{registryId\\}/cache-rules/\\{ecrRepositoryPrefix\\} 503 [0-9.]+ms \\(cold start\\) requestId=${answer.headers["x-request-id"]} `,
      "m",
    );
    expect(await eventually(() => line.test(api.output()))).toBe(true);
    expect(api.output()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR policy unavailable/m);
    expect(api.output()).toMatch(/^ {4}PolicyError: .*duplicate-key\.yaml:4:5: .*duplicate key/m);
  });
});

describe("npm start with an environment the function refuses at cold start", () => {
  let api: LocalApi;

  beforeAll(async () => {
    api = await startLocalApi({ ECR_DEADLINE_MS: "soon" });
  });

  afterAll(async () => {
    await api.stop();
  });

  it("says so at launch, naming the variable", () => {
    expect(api.output()).toMatch(
      /npm start: the function's environment is invalid, so it fails at every cold start[^\n]*\n {2}- ECR_DEADLINE_MS must be/,
    );
  });

  it("answers as API Gateway does when the function fails: a generic 502 problem, no stack trace", async () => {
    const answer = await send(api, "/openapi.json");

    expect(answer.status).toBe(502);
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect(answer.body).toEqual({
      type: "urn:ecr-cache-rules:problem:internal",
      title: "Internal error",
      detail: "The service failed unexpectedly. Try again later.",
      code: "DEFAULT_5XX",
      requestId: answer.headers["x-request-id"],
    });
  });
});

describe("npm start with a policy of several accounts (contract §7)", () => {
  const ROLE = "arn:aws:iam::123456789012:role/platform/ecr-cache-rules";
  let api: LocalApi;
  let policyDir: string;
  let policyFile: string;

  /** The policy's fixture, plus a registry the local caller may not act on. */
  const policy = (fixtureText: string) =>
    `${fixtureText}  - id: "333333333333"\n    callers: ["444444444444"]\n`;

  const emulatorCalls = async (endpoint: string | undefined) => {
    const response = await fetch(`${endpoint}/__emulator/calls`);
    return ((await response.json()) as { calls: Array<Record<string, unknown>> }).calls;
  };

  const create = (registry: string, ecrRepositoryPrefix: string) =>
    send(api, `/registries/${registry}/cache-rules`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ecrRepositoryPrefix, upstreamRegistryUrl: "public.ecr.aws" }),
    });

  beforeAll(async () => {
    policyDir = await mkdtemp(join(tmpdir(), "local-run-accounts-"));
    policyFile = join(policyDir, "policy.yaml");
    await writeFile(policyFile, policy(readFileSync(fixture("registries.yaml"), "utf8")));
    api = await startLocalApi({ POLICY_FILE: policyFile, LOCAL_CALLER_ACCOUNT: undefined });
  });

  afterAll(async () => {
    await api.stop();
    await rm(policyDir, { recursive: true, force: true });
  });

  it("runs an STS emulator beside the ECR one, and says whom the caller is", () => {
    expect(api.stsEmulator).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(api.output()).toContain("Caller:  account 123456789012 (LOCAL_CALLER_ACCOUNT");
  });

  it("acts on a registry with a role under that role, assumed for the request alone", async () => {
    const answer = await create("123456789012", "with-role");

    expect(answer.status).toBe(201);
    const assumed = (await emulatorCalls(api.stsEmulator)).filter(
      (call) => call["roleSessionName"] === answer.headers["x-request-id"],
    );
    expect(assumed).toMatchObject([{ action: "AssumeRole", roleArn: ROLE }]);
    const signed = (await emulatorCalls(api.ecrEndpoint)).filter(
      (call) => call["operation"] === "CreatePullThroughCacheRule",
    );
    expect(signed.at(-1)?.["accessKeyId"]).toBe(assumed[0]?.["issuedAccessKeyId"]);
  });

  it("acts on a registry without a role with the function's own credentials", async () => {
    const answer = await create("210987654321", "own-credentials");

    expect(answer.status).toBe(201);
    const created = (await emulatorCalls(api.ecrEndpoint)).filter(
      (call) => call["operation"] === "CreatePullThroughCacheRule",
    );
    expect(created.at(-1)).toMatchObject({
      body: { registryId: "210987654321", ecrRepositoryPrefix: "own-credentials" },
      accessKeyId: "test",
    });
  });

  it("refuses the caller a registry whose callers it is not among, before ECR or STS", async () => {
    const before = (await emulatorCalls(api.ecrEndpoint)).length;

    const answer = await send(api, "/registries/333333333333/cache-rules");

    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ code: "CallerNotAuthorized" });
    expect(String(answer.body["detail"])).toContain("account 123456789012");
    expect(await emulatorCalls(api.ecrEndpoint)).toHaveLength(before);
  });

  // Last: it restarts the function.
  it("holds a registry to its role no longer once an edit of the policy drops it", async () => {
    const text = readFileSync(fixture("registries.yaml"), "utf8").replace(
      /^ {4}roleArn: .*\n/m,
      "",
    );
    await writeFile(policyFile, policy(text));
    await eventually(() => api.output().includes("the function runs with the new policy"), 20_000);
    const assumedBefore = (await emulatorCalls(api.stsEmulator)).length;

    const answer = await create("123456789012", "role-dropped");

    expect(answer.status).toBe(201);
    expect(await emulatorCalls(api.stsEmulator)).toHaveLength(assumedBefore);
    expect(await (await fetch(`${api.ecrEndpoint}/__emulator/registry-roles`)).json()).toEqual({});
  });
});

describe("npm start's local caller", () => {
  it("is the account LOCAL_CALLER_ACCOUNT names", async () => {
    const api = await startLocalApi({
      POLICY_FILE: fixture("registries.yaml"),
      LOCAL_CALLER_ACCOUNT: "210987654321",
    });
    try {
      const own = await send(api, "/registries/210987654321/cache-rules");
      const other = await send(api, "/registries/123456789012/cache-rules");

      expect(own.status).toBe(200);
      expect(other.body).toMatchObject({ status: 403, code: "CallerNotAuthorized" });
      expect(String(other.body["detail"])).toContain("account 210987654321");
    } finally {
      await api.stop();
    }
  });

  it("must be an account id: npm start says so and exits 1 before it builds", async () => {
    const { code, output } = await npmStartUntilExit({ LOCAL_CALLER_ACCOUNT: "12345" });

    expect(code).toBe(1);
    expect(output).toContain(
      "npm start: LOCAL_CALLER_ACCOUNT must be an AWS account id of 12 digits, got '12345'.",
    );
    expect(output).not.toContain("build:");
  });
});

describe("npm start stops everything it started", () => {
  it("when the npm process gets SIGTERM", async () => {
    const api = await startLocalApi();

    process.kill(api.pid, "SIGTERM");

    await api.exited;
    expect(await groupGone(api.pid)).toBe(true);
    expect(await isPortFree(portOf(api.url))).toBe(true);
  });

  it("when its process group gets SIGINT (Ctrl-C)", async () => {
    const api = await startLocalApi();

    process.kill(-api.pid, "SIGINT");

    await api.exited;
    expect(await groupGone(api.pid)).toBe(true);
    expect(await isPortFree(portOf(api.url))).toBe(true);
    expect(api.output()).not.toMatch(/npm start: .*(failed|exited)/);
  });

  it.runIf(process.platform === "linux")(
    "and exits non-zero, saying so, when the local API Gateway emulation dies",
    async () => {
      const api = await startLocalApi();
      const emulation = groupProcesses(api.pid).find(({ command }) =>
        command.includes("serverless.js offline start"),
      );
      if (emulation === undefined) throw new Error(`no serverless process in:\n${api.output()}`);

      process.kill(emulation.pid, "SIGKILL");

      expect((await api.exited).code).not.toBe(0);
      expect(await groupGone(api.pid)).toBe(true);
      expect(await isPortFree(portOf(api.url))).toBe(true);
      expect(api.output()).toContain(
        "npm start: the local API Gateway emulation was killed by SIGKILL.",
      );
    },
  );

  it("and exits 1 at once, with nothing left running, when its port is taken", async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const address = taken.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;

    const { code, output, pid } = await npmStartUntilExit({ PORT: String(port) });

    taken.close();
    expect(code).toBe(1);
    expect(output).toMatch(
      /npm start: Port \d+ on 127\.0\.0\.1 is in use; set PORT to another one\./,
    );
    expect(await groupGone(pid)).toBe(true);
  });
});
