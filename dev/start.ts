/**
 * `npm start`: builds the functions, then serves the API on http://127.0.0.1:${PORT:-3000}
 * through serverless-offline (local API Gateway emulation, no stage prefix) against an ECR
 * emulator on loopback with dummy credentials, so nothing leaves the machine.
 *
 * - `AWS_ENDPOINT_URL_ECR` set: that endpoint is used and no emulator starts; dummy credentials
 *   are added only when the environment has none (no `AWS_ACCESS_KEY_ID`, no `AWS_PROFILE`),
 *   so a run against a real account with a profile keeps working.
 * - `POLICY_FILE` (relative to the working directory) replaces the bundled allowlist.
 * - `AWS_REGION` defaults to eu-west-1.
 *
 * Ctrl-C (or SIGTERM) stops the API and the emulator; a launch that fails exits non-zero.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { build, formatSize, ROOT } from "../scripts/build.js";
import { type EcrEmulator, startEcrEmulator } from "./ecr-emulator.js";

const HOST = "127.0.0.1";
const DEFAULT_REGION = "eu-west-1";
const READY_TIMEOUT_MS = 60_000;

class LaunchError extends Error {
  override readonly name = "LaunchError";
}

const parsePort = (raw: string | undefined): number => {
  if (raw === undefined || raw === "") return 3000;
  const port = Number(raw);
  if (!/^[0-9]+$/.test(raw) || port < 1 || port > 65_535) {
    throw new LaunchError(`PORT must be a TCP port from 1 to 65535, got '${raw}'.`);
  }
  return port;
};

/** Binds and releases `port` (0: any free one) on loopback; fails if it is taken. */
const reservePort = async (port: number): Promise<number> => {
  const server = createServer();
  server.listen(port, HOST);
  try {
    await once(server, "listening");
  } catch (error) {
    throw new LaunchError(`Port ${port} on ${HOST} is in use; set PORT to another one.`, {
      cause: error,
    });
  }
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string")
    throw new LaunchError("Could not reserve a port.");
  return address.port;
};

interface EcrTarget {
  readonly endpoint: string;
  readonly emulator?: EcrEmulator;
}

const ecrTarget = async (env: NodeJS.ProcessEnv): Promise<EcrTarget> => {
  const configured = env["AWS_ENDPOINT_URL_ECR"];
  if (configured !== undefined && configured !== "") return { endpoint: configured };
  const emulator = await startEcrEmulator({ host: HOST, port: 0 });
  return { endpoint: emulator.url, emulator };
};

/** What the handlers see: serverless-offline passes the whole environment on (localEnvironment). */
const childEnvironment = (env: NodeJS.ProcessEnv, target: EcrTarget): NodeJS.ProcessEnv => {
  const child: NodeJS.ProcessEnv = {
    ...env,
    AWS_ENDPOINT_URL_ECR: target.endpoint,
    AWS_REGION: env["AWS_REGION"] || DEFAULT_REGION,
  };
  const hasOwnCredentials = Boolean(env["AWS_ACCESS_KEY_ID"] || env["AWS_PROFILE"]);
  if (target.emulator !== undefined || !hasOwnCredentials) {
    // Against the emulator even real credentials are replaced: nothing is signed with them.
    child["AWS_ACCESS_KEY_ID"] = "test";
    child["AWS_SECRET_ACCESS_KEY"] = "test";
    delete child["AWS_SESSION_TOKEN"];
    delete child["AWS_PROFILE"];
  }
  const policyFile = env["POLICY_FILE"];
  if (policyFile !== undefined && policyFile !== "") child["POLICY_FILE"] = resolve(policyFile);
  return child;
};

const serverlessBin = (): string => {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("serverless/package.json")), "bin", "serverless.js");
};

/** Resolves once the API answers HTTP at all (an unknown path gives 404); rejects if the child dies. */
const waitUntilServing = async (url: string, child: ChildProcess): Promise<void> => {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new LaunchError(
        "serverless offline exited before the API was ready (see its output above).",
      );
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await new Promise((done) => setTimeout(done, 200));
    }
  }
  throw new LaunchError(`The API did not answer on ${url} within ${READY_TIMEOUT_MS / 1000} s.`);
};

const closeQuietly = async (emulator: EcrEmulator | undefined): Promise<void> => {
  if (emulator === undefined) return;
  await Promise.race([
    emulator.close().catch(() => undefined),
    new Promise((done) => setTimeout(done, 2_000)),
  ]);
};

const main = async (): Promise<void> => {
  const port = await reservePort(parsePort(process.env["PORT"]));
  const lambdaPort = await reservePort(0);

  const { functions } = await build();
  for (const size of functions) console.log(`build: ${formatSize(size)}`);

  const target = await ecrTarget(process.env);
  const env = childEnvironment(process.env, target);
  const region = env["AWS_REGION"] ?? DEFAULT_REGION;
  const child = spawn(
    process.execPath,
    [
      serverlessBin(),
      "offline",
      "start",
      "--httpPort",
      String(port),
      "--host",
      HOST,
      "--lambdaPort",
      String(lambdaPort),
      // serverless-offline sets AWS_REGION for the handlers from the provider's region.
      "--region",
      region,
      "--noSponsor",
    ],
    // No stdin: nothing can ever wait for an answer at a prompt.
    { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] },
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const exited = new Promise<number>((done) => {
    child.once("error", (error) => {
      console.error(`npm start: could not run serverless: ${error.message}`);
      done(1);
    });
    child.once("exit", (code) => done(stopping ? 0 : code === 0 || code === null ? 1 : code));
  });

  const apiUrl = `http://${HOST}:${port}`;
  let launchFailed = false;
  try {
    await Promise.race([waitUntilServing(`${apiUrl}/`, child), exited]);
    if (child.exitCode === null && child.signalCode === null) {
      const ecr =
        target.emulator === undefined
          ? `${target.endpoint} from AWS_ENDPOINT_URL_ECR`
          : `emulator at ${target.endpoint}`;
      console.log(`\nAPI listening on ${apiUrl} (ECR: ${ecr})\n`);
    }
  } catch (error) {
    console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
    launchFailed = true;
    stop("SIGTERM");
  }

  const code = await exited;
  await closeQuietly(target.emulator);
  process.exit(launchFailed ? 1 : code);
};

try {
  await main();
} catch (error) {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
