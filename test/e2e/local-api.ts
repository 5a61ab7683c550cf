import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { ROUTES } from "../../src/http/route-table.js";
import { openApiMismatch } from "../fixtures/openapi.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const READY = /API listening on (http:\/\/[^\s)]+) \(.*?\bECR: (?:emulator at )?([^\s),]+)/;

/** A running `npm start`, for tests that talk HTTP to it. */
export interface LocalApi {
  readonly url: string;
  /** The ECR endpoint it uses: its embedded emulator, or the one it was given. */
  readonly ecrEndpoint: string;
  /** Its embedded STS emulator's endpoint, when it runs one. */
  readonly stsEmulator: string | undefined;
  /** Everything it printed so far. */
  readonly output: () => string;
  /** The npm process: the leader of the process group everything it starts runs in. */
  readonly pid: number;
  /** Settles when the npm process has exited. */
  readonly exited: Promise<NpmExit>;
  stop(): Promise<void>;
}

export interface NpmExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const freePort = async (): Promise<number> => {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
};

/** Whether any process of the group `pgid` is still running. */
export const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves once no process of the group `pgid` runs any more, or after `timeoutMs`. */
export const groupGone = async (pgid: number, timeoutMs = 15_000): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, 100));
  }
  return true;
};

const stopGroup = async (child: ChildProcess): Promise<void> => {
  if (child.pid === undefined) return;
  const pgid = child.pid;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, "exit");
    // npm, tsx, the launcher and serverless-offline are one process group: stop them together.
    process.kill(-pgid, "SIGTERM");
    const timer = setTimeout(() => groupAlive(pgid) && process.kill(-pgid, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  // What npm started stops after npm itself: wait for all of it, so the next test starts clean.
  if (!(await groupGone(pgid))) process.kill(-pgid, "SIGKILL");
};

/** This process's environment with `changes` applied: a variable set to `undefined` is removed. */
const environment = (changes: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
};

/**
 * Starts `npm start` on a free port (unless `env` names a `PORT`) with `env` applied to this process's environment (a
 * variable set to `undefined` is removed) and resolves once it says it is listening. Fails, with
 * its output, if it exits or takes over a minute.
 */
export const startLocalApi = async (
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<LocalApi> => {
  const port = await freePort();
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env: environment({ PORT: String(port), ...env }),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<NpmExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  let output = "";
  const ready = new Promise<RegExpExecArray>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match !== null) resolve(match);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    setTimeout(
      () => reject(new Error(`npm start was not ready within 60 s:\n${output}`)),
      60_000,
    ).unref();
  });
  try {
    const [banner = "", url = "", ecrEndpoint = ""] = await ready;
    return {
      url,
      ecrEndpoint,
      stsEmulator: /\bSTS: emulator at ([^\s),]+)/.exec(banner)?.[1],
      output: () => output,
      pid: child.pid ?? 0,
      exited,
      stop: () => stopGroup(child),
    };
  } catch (error) {
    await stopGroup(child);
    throw error;
  }
};

/** An answer of the local API, its body parsed. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

const TEMPLATES = ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.resource.replace(/\{[^}]+\}/g, "[^/]+")}$`),
}));

/** The route table's resource a concrete path belongs to, for the OpenAPI check. */
const resourceOf = (method: string, path: string): string | undefined =>
  TEMPLATES.find(({ route, pattern }) => route.method === method && pattern.test(path))?.route
    .resource;

/**
 * One HTTP request to the local API. Every answer of a route the API has is checked against
 * the OpenAPI document: an answer that does not match it fails the test.
 */
export const call = async (
  api: LocalApi,
  path: string,
  init: RequestInit = {},
): Promise<Answer> => {
  const response = await fetch(`${api.url}${path}`, init);
  const text = await response.text();
  const method = (init.method ?? "GET").toUpperCase();
  const resource = resourceOf(method, new URL(path, api.url).pathname);
  if (resource !== undefined) {
    const mismatch = openApiMismatch({
      method,
      resource,
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: text,
    });
    if (mismatch !== undefined)
      throw new Error(`answer does not match the OpenAPI document: ${mismatch}`);
  }
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the test looks at text.
  }
  return { status: response.status, headers: response.headers, body, text };
};

export const postJson = (
  api: LocalApi,
  body: unknown,
  path = "/registries/123456789012/cache-rules",
) =>
  call(api, path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
