/**
 * The processes a benchmark runs: the loopback ECR and STS stub, and children started with the
 * environment Lambda would give the function. Shared by `run.ts`, `ab.ts` and `profile.ts`.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Readable } from "node:stream";
import type { ChildReport } from "./protocol.js";

export interface StubCounts {
  readonly requests: number;
  readonly connections: number;
  /** Requests by ECR or STS operation; `refused` counts what the stub would not answer. */
  readonly operations: Readonly<Record<string, number>>;
}

export interface EcrStub {
  readonly url: string;
  /** Stops the stub; returns how many requests it answered, by operation, on how many connections. */
  stop(): Promise<StubCounts>;
}

/**
 * Starts `ecr-stub`, which serves ECR and STS on one loopback port. It runs in its own process,
 * so its CPU never counts against the child or this loop.
 */
export const startEcrStub = (script: string): Promise<EcrStub> =>
  new Promise((resolvePromise, reject) => {
    const stub = spawn(process.execPath, [script], { stdio: ["pipe", "pipe", "inherit"] });
    let pending = "";
    let onLine = (line: string): void => {
      const { port }: { port: number } = JSON.parse(line);
      resolvePromise({ url: `http://127.0.0.1:${port}`, stop });
    };
    const stop = (): Promise<StubCounts> =>
      new Promise((resolveCounts, rejectCounts) => {
        onLine = (line) => resolveCounts(JSON.parse(line));
        // "close" comes after stdout has been read to its end, so the counts arrive first.
        stub.once("close", () => rejectCounts(new Error("the stub exited without its counts")));
        stub.stdin.end();
      });
    stub.stdout.setEncoding("utf8");
    stub.stdout.on("data", (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        onLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    });
    stub.once("error", reject);
    stub.once("exit", (code) => reject(new Error(`the stub exited early (${code})`)));
  });

/**
 * What Lambda gives the function, plus the local endpoints (ECR and STS: the same stub). HOME is
 * an empty directory: no shared config or credentials file from this machine may steer the SDK,
 * as none exists in Lambda. stdout (the audit lines) goes to /dev/null; see BENCHMARKS.md.
 */
export const childEnvironment = (stubUrl: string, home: string): NodeJS.ProcessEnv => ({
  PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
  HOME: home,
  TZ: ":UTC",
  LANG: "en_US.UTF-8",
  AWS_REGION: "eu-west-1",
  AWS_DEFAULT_REGION: "eu-west-1",
  AWS_ENDPOINT_URL_ECR: stubUrl,
  // Only a policy that onboards a role makes the service call STS (the assumed-role bundle).
  AWS_ENDPOINT_URL_STS: stubUrl,
  AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  AWS_SESSION_TOKEN: "bench-session-token",
  AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
  AWS_LAMBDA_FUNCTION_NAME: "ecr-cache-rules-prod-api",
  AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
  AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/ecr-cache-rules-prod-api",
  AWS_LAMBDA_LOG_STREAM_NAME: "2026/11/28/[$LATEST]abcdef",
  _X_AMZN_TRACE_ID: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
  POWERTOOLS_SERVICE_NAME: "ecr-cache-rules",
  // What serverless.yml deploys: one audit line per request is part of the measured work.
  POWERTOOLS_LOG_LEVEL: "INFO",
});

export interface ChildRun {
  /** From `spawn()` to the first report, which the child writes as soon as it has answered. */
  readonly wallMs: number;
  readonly reports: readonly ChildReport[];
}

export interface ChildOptions {
  readonly nodeArgs?: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly args: readonly string[];
}

export const runChild = (
  script: string,
  { nodeArgs = [], env, args }: ChildOptions,
): Promise<ChildRun> =>
  new Promise((resolvePromise, reject) => {
    const started = performance.now();
    let wallMs: number | undefined;
    const child: ChildProcess = spawn(process.execPath, [...nodeArgs, script, ...args], {
      env,
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
    const reports: ChildReport[] = [];
    let pending = "";
    let stderr = "";
    const channel = child.stdio[3];
    if (!(channel instanceof Readable)) throw new Error("no report channel");
    channel.setEncoding("utf8");
    channel.on("data", (chunk: string) => {
      // Taken before parsing anything, so the figure is the child's answer, not our work.
      wallMs ??= performance.now() - started;
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        reports.push(JSON.parse(pending.slice(0, newline)));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0 || wallMs === undefined) {
        reject(new Error(`child ${args.join(" ")} failed (exit ${code}):\n${stderr}`));
        return;
      }
      // The process id differs per child; without it, one warning is listed once.
      if (stderr.trim() !== "") warnings.add(stderr.trim().replace(/\(node:\d+\)/g, "(node)"));
      resolvePromise({ wallMs, reports });
    });
  });

/** Anything a child printed on stderr, shown once at the end rather than lost. */
export const warnings = new Set<string>();
