/**
 * `npm run package -- --param=orgId=o-xxxxxxxxxx` (or `ORG_ID=o-... npm run package`): builds and
 * packages the service into `.serverless/` (CloudFormation template and one zip per function)
 * without touching AWS. `STAGE` (default prod) and `REGION` (default eu-west-1) choose the
 * target; any other argument goes to `serverless package` as is (e.g. `--package <dir>`).
 *
 * The build runs inside `serverless package` (scripts/serverless-plugin.mjs), so a bare
 * `npx serverless package` or `deploy` is just as safe.
 * @module
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./build.js";

/** The same pattern the serverless plugin enforces, checked here first for a faster answer. */
export const ORG_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;

const USAGE =
  'usage: npm run package -- --param="orgId=o-xxxxxxxxxx" [serverless package options] ' +
  "(or ORG_ID=o-xxxxxxxxxx npm run package)";

export class PackageArgumentsError extends Error {
  override readonly name = "PackageArgumentsError";
}

export interface PackageArguments {
  readonly orgId: string;
  /** Everything else, for `serverless package`. */
  readonly rest: readonly string[];
}

/**
 * Takes `--param orgId=…` / `--param=orgId=…` (the serverless spelling) or `ORG_ID`, and fails
 * with a message that names orgId when it is missing or malformed.
 */
export const parsePackageArguments = (
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): PackageArguments => {
  const rest: string[] = [];
  const params: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? "";
    if (arg === "--param") {
      params.push(argv[i + 1] ?? "");
      i += 1;
    } else if (arg.startsWith("--param=")) {
      params.push(arg.slice("--param=".length));
    } else {
      rest.push(arg);
    }
  }
  const fromArgs = params
    .filter((param) => param.startsWith("orgId="))
    .map((param) => param.slice("orgId=".length));
  const others = params.filter((param) => !param.startsWith("orgId="));
  if (fromArgs.length > 1)
    throw new PackageArgumentsError(`orgId is given more than once. ${USAGE}`);
  const orgId = fromArgs[0] ?? env["ORG_ID"];
  if (orgId === undefined || orgId === "") {
    throw new PackageArgumentsError(`orgId is required (the AWS Organizations id). ${USAGE}`);
  }
  if (!ORG_ID_PATTERN.test(orgId)) {
    throw new PackageArgumentsError(
      `orgId '${orgId}' must match ${ORG_ID_PATTERN.source}. ${USAGE}`,
    );
  }
  return { orgId, rest: [...others.map((param) => `--param=${param}`), ...rest] };
};

/**
 * The environment for `serverless package`: no AWS credentials, profile, config or instance
 * metadata at all, so that packaging can never call AWS, whatever the machine has set up.
 * `emptyFile` must exist: osls's SDK v2 throws on a config path that does not.
 */
export const offlineEnvironment = (
  env: NodeJS.ProcessEnv,
  emptyFile: string,
): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("AWS_"))),
  AWS_CONFIG_FILE: emptyFile,
  AWS_SHARED_CREDENTIALS_FILE: emptyFile,
  AWS_EC2_METADATA_DISABLED: "true",
});

const hasOption = (args: readonly string[], name: string): boolean =>
  args.some((arg) => arg === name || arg.startsWith(`${name}=`));

/** `serverless package` with its output on the console; resolves to its exit code. */
export const runServerlessPackage = async (
  { orgId, rest }: PackageArguments,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> => {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve("serverless/package.json")), "bin", "serverless.js");
  const args = [
    bin,
    "package",
    ...(hasOption(rest, "--stage") ? [] : ["--stage", env["STAGE"] || "prod"]),
    ...(hasOption(rest, "--region") ? [] : ["--region", env["REGION"] || "eu-west-1"]),
    `--param=orgId=${orgId}`,
    ...rest,
  ];
  const configDir = await mkdtemp(join(tmpdir(), "ecr-cache-rules-package-"));
  const emptyFile = join(configDir, "empty");
  try {
    await writeFile(emptyFile, "");
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: offlineEnvironment(env, emptyFile),
      stdio: ["ignore", "inherit", "inherit"],
    });
    const [code] = (await once(child, "exit")) as [number | null];
    return code ?? 1;
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
};

const isMain =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (isMain) {
  try {
    const parsed = parsePackageArguments(process.argv.slice(2), process.env);
    process.exitCode = await runServerlessPackage(parsed);
  } catch (error) {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
