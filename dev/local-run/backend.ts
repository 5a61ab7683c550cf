/**
 * The local API Gateway emulation behind the front door: `serverless offline start` in a child
 * process, adapted by `offline-plugin.ts`, with both of its servers (the API and serverless-
 * offline's Lambda invoke API) on Unix sockets in the launcher's private directory, so that no
 * TCP port of it exists for a browser, a DNS rebinding page or another user to reach.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { ROOT } from "../../scripts/build.js";
import { LaunchError } from "./launch-error.js";

const READY_TIMEOUT_MS = 60_000;
/** serverless-offline waits up to 5 s for open requests when it stops. */
const STOP_TIMEOUT_MS = 10_000;

export interface BackendExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface BackendOptions {
  /** The bundle {@link bundleOfflinePlugin} wrote. */
  readonly plugin: string;
  /** A directory only this user can enter, for the sockets. */
  readonly socketDir: string;
  /** Numbers the sockets of successive backends apart. */
  readonly generation: number;
  /** The environment of serverless and of the function (serverless-offline's `localEnvironment`). */
  readonly env: NodeJS.ProcessEnv;
  readonly region: string;
  /** Each line serverless and the function print, without its line break. */
  readonly onLine: (line: string, stream: "stdout" | "stderr") => void;
  /** Aborting it while the backend starts kills it and rejects. */
  readonly signal: AbortSignal;
}

/** A running serverless-offline. */
export interface Backend {
  /** Where its API answers HTTP. */
  readonly socketPath: string;
  /** Settles once the process has exited. */
  readonly exited: Promise<BackendExit>;
  /** Stops it (SIGTERM, then SIGKILL after 10 s) and resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Bundles `offline-plugin.ts` into `outdir` as CommonJS (serverless and `node --require` load it
 * with Node itself, without tsx) and returns the bundle's path.
 */
export const bundleOfflinePlugin = async (outdir: string): Promise<string> => {
  const outfile = join(outdir, "offline-plugin.cjs");
  await build({
    entryPoints: [fileURLToPath(new URL("offline-plugin.ts", import.meta.url))],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // serverless requires a plugin given by absolute path without unwrapping `default`.
    footer: { js: "module.exports = module.exports.default;" },
    sourcemap: "inline",
    logLevel: "warning",
  });
  return outfile;
};

const serverlessBin = (): string => {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("serverless/package.json")), "bin", "serverless.js");
};

const isRunning = (child: ChildProcess): boolean =>
  child.exitCode === null && child.signalCode === null;

const stopChild = async (child: ChildProcess, exited: Promise<BackendExit>): Promise<void> => {
  if (isRunning(child)) child.kill("SIGTERM");
  const timer = setTimeout(() => isRunning(child) && child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
};

/** "exited with code 1", "was killed by SIGKILL". */
export const describeExit = ({ code, signal }: BackendExit): string =>
  signal === null ? `exited with code ${code}` : `was killed by ${signal}`;

/** Starts serverless-offline and resolves once the plugin reports its server adapted and up. */
export const startBackend = async (options: BackendOptions): Promise<Backend> => {
  const socketPath = join(options.socketDir, `api-${options.generation}.sock`);
  const lambdaSocketPath = join(options.socketDir, `lambda-${options.generation}.sock`);
  await Promise.all([rm(socketPath, { force: true }), rm(lambdaSocketPath, { force: true })]);
  const child = spawn(
    process.execPath,
    [
      // The bundle's source maps sit beside it: stack traces name the TypeScript sources.
      "--enable-source-maps",
      "--require",
      options.plugin,
      serverlessBin(),
      "offline",
      "start",
      "--httpPort",
      socketPath,
      "--lambdaPort",
      lambdaSocketPath,
      // serverless-offline sets AWS_REGION for the function from the provider's region.
      "--region",
      options.region,
      "--noSponsor",
    ],
    // No stdin: nothing can ever wait for an answer at a prompt. The IPC channel carries "ready"
    // and, by closing, tells the child that the launcher is gone.
    { cwd: ROOT, env: options.env, stdio: ["ignore", "pipe", "pipe", "ipc"] },
  );
  for (const stream of ["stdout", "stderr"] as const) {
    const input = child[stream];
    if (input !== null) {
      createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
        options.onLine(line, stream),
      );
    }
  }
  const exited = new Promise<BackendExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    // Could not be spawned at all: there will be no "exit".
    child.once("error", () => child.pid === undefined && resolve({ code: null, signal: null }));
  }).finally(() =>
    Promise.all([rm(socketPath, { force: true }), rm(lambdaSocketPath, { force: true })]),
  );
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) =>
      reject(new LaunchError(`could not run serverless: ${error.message}`, { cause: error })),
    );
    void exited.then((exit) =>
      reject(new LaunchError(`serverless offline ${describeExit(exit)} before it was ready.`)),
    );
  });
  const ready = once(child, "message").then(([message]) => {
    if (Reflect.get(Object(message), "type") !== "ready") {
      throw new LaunchError(`serverless offline sent ${JSON.stringify(message)}, not "ready".`);
    }
  });
  const aborted = new Promise<never>((_, reject) => {
    const abort = () => reject(new LaunchError("stopped while starting."));
    if (options.signal.aborted) abort();
    options.signal.addEventListener("abort", abort, { once: true });
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new LaunchError(`serverless offline was not ready within ${READY_TIMEOUT_MS / 1000} s.`),
        ),
      READY_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([ready, failed, aborted, timedOut]);
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { socketPath, exited, stop: () => stopChild(child, exited) };
};
