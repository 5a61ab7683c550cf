/**
 * `npm start`: builds the function, then serves the API on http://127.0.0.1:${PORT:-3000}
 * through serverless-offline (local API Gateway emulation, no stage prefix) against ECR and STS
 * emulators on loopback with dummy credentials, so nothing leaves the machine. The ECR emulator
 * holds the policy's registries with a role to that role, as member accounts do: a call for one
 * must be signed with the credentials the STS emulator issued for it.
 *
 * - `AWS_ENDPOINT_URL_ECR` set: that endpoint is used and neither emulator starts (STS is AWS's,
 *   unless `AWS_ENDPOINT_URL_STS` names another); dummy credentials are added only when the
 *   environment has none (no `AWS_ACCESS_KEY_ID`, no `AWS_PROFILE`), so a run against a real
 *   account with a profile keeps working.
 * - `AWS_ENDPOINT_URL_STS` set: that endpoint is used and no STS emulator starts; the ECR
 *   emulator then takes every call, as it cannot check credentials another STS issued.
 * - `LOCAL_CALLER_ACCOUNT` (default 123456789012): the account of the caller API Gateway would
 *   have authenticated, which the policy's `registries` are checked against.
 * - `POLICY_FILE` (relative to the directory `npm start` was run in) replaces the bundled
 *   allowlist.
 * - `AWS_REGION` defaults to eu-west-1.
 * - `LOG_FORMAT`: `pretty` (one readable line per log entry; the default on a terminal) or `json`
 *   (the function's lines as they are; the default otherwise).
 *
 * How the pieces fit (dev/local-run/): the front door owns the port and refuses what must not
 * reach the function (`request-gate.ts`); serverless-offline runs in a child process on a private
 * Unix socket, made to answer as API Gateway does by a plugin only `npm start` loads
 * (`offline-plugin.ts`); the policy file is checked at launch and watched, and an edit restarts
 * the function behind the front door (`emulation.ts`). Ctrl-C, SIGTERM or the end of the npm
 * process (`lifeline.ts`) stop everything; a launch that fails stops what it started and exits 1.
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { build, DEFAULT_POLICY, formatSize, ROOT } from "../scripts/build.js";
import { ConfigError, loadConfig } from "../src/config.js";
import { bundleOfflinePlugin } from "./local-run/backend.js";
import { childEnvironment, DEFAULT_REGION } from "./local-run/child-environment.js";
import { Emulation } from "./local-run/emulation.js";
import { openFrontDoor } from "./local-run/front-door.js";
import { LaunchError } from "./local-run/launch-error.js";
import { launchChain, watchLifeline } from "./local-run/lifeline.js";
import {
  describeService,
  type LocalEmulators,
  type LocalService,
  registryRoleChanges,
  startLocalServices,
} from "./local-run/local-services.js";
import { childLineFilter, type LogFormat } from "./local-run/log-lines.js";
import { checkPolicyFile, type PolicyCheck, watchPolicyFile } from "./local-run/policy-watch.js";

const HOST = "127.0.0.1";

const parsePort = (raw: string | undefined): number => {
  if (raw === undefined || raw === "") return 3000;
  const port = Number(raw);
  if (!/^[0-9]+$/.test(raw) || port < 1 || port > 65_535) {
    throw new LaunchError(`PORT must be a TCP port from 1 to 65535, got '${raw}'.`);
  }
  return port;
};

const DEFAULT_CALLER_ACCOUNT = "123456789012";

const parseCallerAccount = (raw: string | undefined): string => {
  if (raw === undefined || raw === "") return DEFAULT_CALLER_ACCOUNT;
  if (!/^[0-9]{12}$/.test(raw)) {
    throw new LaunchError(
      `LOCAL_CALLER_ACCOUNT must be an AWS account id of 12 digits, got '${raw}'.`,
    );
  }
  return raw;
};

const parseLogFormat = (raw: string | undefined): LogFormat => {
  if (raw === undefined || raw === "") return process.stdout.isTTY ? "pretty" : "json";
  if (raw === "pretty" || raw === "json") return raw;
  throw new LaunchError(`LOG_FORMAT must be 'pretty' or 'json', got '${raw}'.`);
};

/** The policy the function will load: `POLICY_FILE`, or the reviewed one the build inlines. */
interface PolicyInUse {
  readonly path: string;
  readonly bundled: boolean;
  /** For messages: relative to the repository when inside it. */
  readonly name: string;
}

const policyInUse = (env: NodeJS.ProcessEnv): PolicyInUse => {
  const configured = env["POLICY_FILE"];
  // npm runs scripts in the package root; INIT_CWD is where it was run from.
  const path =
    configured === undefined || configured === ""
      ? resolve(ROOT, DEFAULT_POLICY)
      : resolve(env["INIT_CWD"] ?? process.cwd(), configured);
  const inRepository = !relative(ROOT, path).startsWith("..");
  return {
    path,
    bundled: configured === undefined || configured === "",
    name: inRepository ? relative(ROOT, path) : path,
  };
};

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const warn = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const reportBrokenPolicy = (policy: PolicyInUse, check: PolicyCheck, consequence: string) => {
  if (check.ok) return;
  warn(`\nnpm start: the policy file ${policy.name} is broken; ${consequence}:`);
  for (const problem of check.problems) warn(`  - ${problem}`);
  warn("");
};

/** The function's own check of its environment, run at launch so that a failure is said once, up front. */
const reportBrokenConfig = (env: NodeJS.ProcessEnv): void => {
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    warn(
      `\nnpm start: the function's environment is invalid, so it fails at every cold start and every request is answered 502 (as it would be deployed):\n  - ${error.message}\n`,
    );
  }
};

/** Undo steps, run last-in first-out; one that fails or hangs keeps none of the others from running. */
class Teardown {
  readonly #steps: Array<{ readonly run: () => Promise<unknown>; readonly timeoutMs: number }> = [];

  defer(run: () => Promise<unknown>, timeoutMs = 15_000): void {
    this.#steps.push({ run, timeoutMs });
  }

  async run(): Promise<void> {
    for (const step of [...this.#steps].reverse()) {
      await Promise.race([
        step.run().catch((error: unknown) => warn(`npm start: while stopping: ${String(error)}`)),
        new Promise((done) => setTimeout(done, step.timeoutMs).unref()),
      ]);
    }
  }
}

const openPort = (port: number, teardown: Teardown) =>
  openFrontDoor({ host: HOST, port, onRefusal: (line) => warn(`npm start: ${line}`) }).then(
    (frontDoor) => {
      teardown.defer(() => frontDoor.close());
      return frontDoor;
    },
    (error: unknown) => {
      throw new LaunchError(
        Reflect.get(Object(error), "code") === "EADDRINUSE"
          ? `Port ${port} on ${HOST} is in use; set PORT to another one.`
          : `cannot listen on ${HOST}:${port}: ${String(error)}`,
        { cause: error },
      );
    },
  );

/** What the launcher prints once the API answers: the first line is the one tests wait for. */
const printBanner = (
  url: string,
  services: readonly LocalService[],
  policy: PolicyInUse,
  check: PolicyCheck,
  logFormat: LogFormat,
  callerAccount: string,
): void => {
  const summary = check.ok ? `(${check.summary})` : "(broken, see above)";
  const onEdit = policy.bundled ? "rebuilds and restarts" : "restarts";
  const other = logFormat === "json" ? "pretty" : "json";
  // One write, so whoever reads the first line has the rest too.
  say(
    [
      `\nAPI listening on ${url} (${services.map(describeService).join(", ")})\n`,
      `  Routes:  ${url}/openapi.json`,
      `  Caller:  account ${callerAccount} (LOCAL_CALLER_ACCOUNT to be another)`,
      `  Policy:  ${policy.name} ${summary}; an edit ${onEdit} the function`,
      `  Logs:    ${logFormat} (LOG_FORMAT=${other} for the other)`,
      "  Not emulated: AWS_IAM authorization, the resource policy, stage throttling",
      "  Ctrl-C stops.\n",
    ].join("\n"),
  );
};

/**
 * What an edit of the policy file does. `POLICY_FILE`: the function restarts with it, broken or
 * not (broken, it answers 503, as at any cold start). The bundled policy: the build inlines it,
 * so a valid edit rebuilds and restarts, and a broken one, which the build refuses, changes
 * nothing.
 */
const onPolicyEdit =
  (policy: PolicyInUse, emulation: Emulation, emulators: LocalEmulators) => async () => {
    const check = await checkPolicyFile(policy.path);
    if (policy.bundled && !check.ok) {
      reportBrokenPolicy(
        policy,
        check,
        "the build refuses it, so the function keeps the policy it has",
      );
      return;
    }
    if (check.ok) {
      say(`npm start: ${policy.name} changed (${check.summary}); restarting the function.`);
      holdRegistryRoles(emulators, check);
    } else {
      reportBrokenPolicy(
        policy,
        check,
        "restarting the function, which will answer every request with 503 PolicyUnavailable until it is fixed",
      );
    }
    const rebuild = async () => {
      await build();
    };
    if (await emulation.restart(policy.bundled ? rebuild : undefined)) {
      say(`npm start: the function runs with the ${check.ok ? "new" : "broken"} policy now.`);
    }
  };

/** Makes the ECR emulator hold the policy's registries to their roles (see {@link registryRoleChanges}). */
const holdRegistryRoles = (emulators: LocalEmulators, check: PolicyCheck): void => {
  if (!check.ok) return;
  const changes = registryRoleChanges(emulators, check.policy.registries ?? []);
  if (changes !== undefined) emulators.ecr?.setRegistryRoles(changes);
};

/** Everything `npm start` runs; resolves with the exit code once it has stopped. */
const run = async (stopping: AbortSignal, stopped: Promise<number>, teardown: Teardown) => {
  const env = process.env;
  const port = parsePort(env["PORT"]);
  const logFormat = parseLogFormat(env["LOG_FORMAT"]);
  const callerAccount = parseCallerAccount(env["LOCAL_CALLER_ACCOUNT"]);
  const checkpoint = () => {
    if (stopping.aborted) throw new LaunchError("stopped while starting.");
  };

  // The port first: held from now on, it cannot be taken while the rest starts.
  const frontDoor = await openPort(port, teardown);

  const policy = policyInUse(env);
  const policyCheck = await checkPolicyFile(policy.path);
  reportBrokenPolicy(
    policy,
    policyCheck,
    policy.bundled
      ? "the build inlines it and refuses it as it is"
      : "the function will answer every request with 503 PolicyUnavailable until it is fixed",
  );

  const { functions } = await build();
  for (const size of functions) say(`build: ${formatSize(size)}`);
  checkpoint();

  const { services, emulators } = await startLocalServices(env, HOST, (emulator) => {
    teardown.defer(() => emulator.close(), 2_000);
  });
  holdRegistryRoles(emulators, policyCheck);
  checkpoint();

  const privateDir = await mkdtemp(join(tmpdir(), "ecr-cache-rules-"));
  teardown.defer(() => rm(privateDir, { recursive: true, force: true }));
  const childEnv = childEnvironment(
    env,
    services,
    policy.bundled ? undefined : policy.path,
    callerAccount,
  );
  reportBrokenConfig(childEnv);
  const emulation = new Emulation({
    plugin: await bundleOfflinePlugin(privateDir),
    socketDir: privateDir,
    env: childEnv,
    region: childEnv["AWS_REGION"] ?? DEFAULT_REGION,
    frontDoor,
    signal: stopping,
    lineHandler: () => {
      const filter = childLineFilter(logFormat);
      return (line, stream) => {
        const shown = filter(line);
        if (shown !== undefined) (stream === "stdout" ? say : warn)(shown);
      };
    },
  });
  teardown.defer(() => emulation.stop());
  await emulation.start();

  printBanner(frontDoor.url, services, policy, policyCheck, logFormat, callerAccount);

  const onEdit = onPolicyEdit(policy, emulation, emulators);
  const unwatch = await watchPolicyFile(policy.path, () => void onEdit());
  teardown.defer(async () => unwatch());

  return Promise.race([stopped, emulation.crashed]);
};

const main = async (): Promise<never> => {
  const stopController = new AbortController();
  let stop: (code: number) => void = () => undefined;
  const stopped = new Promise<number>((resolve) => {
    stop = (code) => {
      if (stopController.signal.aborted) return;
      stopController.abort();
      resolve(code);
    };
  });
  // Repeated signals change nothing (tsx relays the terminal's Ctrl-C a second time when the
  // launcher is slow to confirm it): stopping is bounded by its own timeouts.
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));
  watchLifeline(launchChain(), () => {
    warn("npm start: its npm process is gone; stopping.");
    stop(0);
  });

  const teardown = new Teardown();
  let code: number;
  try {
    code = await run(stopController.signal, stopped, teardown);
  } catch (error) {
    code = stopController.signal.aborted ? 0 : 1;
    if (code !== 0) warn(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  }
  stopController.abort();
  await teardown.run();
  process.exit(code);
};

await main();
