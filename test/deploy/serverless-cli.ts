import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { offlineEnvironment } from "../../scripts/package.js";

export const REPOSITORY_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  /** stdout and stderr together, in arrival order. */
  readonly output: string;
}

/** Runs a command with both streams captured, never on a terminal and never with stdin. */
export const run = async (
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): Promise<CliResult> => {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    output += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, output };
};

/**
 * The repository's `serverless` CLI as a machine without AWS would run it: no credentials, no
 * profile, no config files, and `home` (created if need be) as its home directory.
 */
export const runServerless = async (
  args: readonly string[],
  { home }: { readonly home: string },
): Promise<CliResult> => {
  await mkdir(home, { recursive: true });
  const emptyFile = join(home, "empty");
  await writeFile(emptyFile, "");
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve("serverless/package.json")), "bin", "serverless.js");
  return run(process.execPath, [bin, ...args], {
    cwd: REPOSITORY_ROOT,
    env: { ...offlineEnvironment(process.env, emptyFile), HOME: home },
  });
};
