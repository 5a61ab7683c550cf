/**
 * Builds what the benchmark runs: the service exactly as `npm run build` ships it (and once more
 * with a policy that onboards the benchmark's registry with a role), the reference handlers with
 * the very same esbuild options, and the harness itself; and measures each bundle's bytes.
 * @module
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build as esbuild } from "esbuild";
import {
  build as buildFunctions,
  bundledPolicyDocument,
  DEFAULT_POLICY,
  esbuildOptions,
  formatSize,
  ROOT,
} from "../scripts/build.js";

export const RESULTS_DIR = resolve(ROOT, "bench/results");
const BUNDLES_DIR = join(RESULTS_DIR, "bundles");
const HARNESS_DIR = join(RESULTS_DIR, "harness");

/** The one function of the service; `serverless.yml` deploys it from `dist/<name>/`. */
const SERVICE_FUNCTION = "api";

/** The shipped upstreams, and the benchmark's registry onboarded with a role to assume. */
const ROLE_POLICY = "bench/policies/assumed-role.yaml";

export interface BuiltBundle {
  readonly id: string;
  readonly label: string;
  /** Absolute path of the entry `index.mjs`. */
  readonly entry: string;
}

export interface Harness {
  readonly child: string;
  readonly abChild: string;
  readonly stub: string;
  readonly inventoryRegister: string;
}

/**
 * The service through the build script's own `build()` (same options, same input checks, the
 * policy inlined: the shipped one unless `policyFile` names another) into
 * `bench/results/bundles/<id>`: `dist/` belongs to whoever runs `npm run build` in this tree at
 * the same time. With the shipped policy the bundle bytes are the same.
 */
const buildService = async (
  id: string,
  label: string,
  policyFile?: string,
): Promise<BuiltBundle> => {
  const outdir = join(BUNDLES_DIR, id);
  const result = await buildFunctions(
    policyFile === undefined ? { outdir } : { outdir, policyFile: resolve(ROOT, policyFile) },
  );
  for (const size of result.functions) console.error(`  ${id}: ${formatSize(size)}`);
  return { id, label, entry: join(outdir, SERVICE_FUNCTION, "index.mjs") };
};

/** A benchmark handler with the deployable bundle's esbuild options, unchanged. */
const buildVariant = async (
  id: string,
  label: string,
  source: string,
  policyDocument: unknown,
): Promise<BuiltBundle> => {
  const outdir = join(BUNDLES_DIR, id);
  await rm(outdir, { recursive: true, force: true });
  await esbuild(esbuildOptions(source, outdir, policyDocument));
  return { id, label, entry: join(outdir, "index.mjs") };
};

/** The harness needs no minification; it must only be plain JavaScript for a bare `node`. */
const buildHarness = async (): Promise<Harness> => {
  await rm(HARNESS_DIR, { recursive: true, force: true });
  await esbuild({
    absWorkingDir: ROOT,
    entryPoints: {
      child: "bench/child.ts",
      "ab-child": "bench/ab-child.ts",
      "ecr-stub": "bench/ecr-stub.ts",
      "loaded-modules-hooks": "bench/loaded-modules-hooks.ts",
      "loaded-modules-register": "bench/loaded-modules-register.ts",
    },
    outdir: HARNESS_DIR,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    logLevel: "warning",
  });
  return {
    child: join(HARNESS_DIR, "child.mjs"),
    abChild: join(HARNESS_DIR, "ab-child.mjs"),
    stub: join(HARNESS_DIR, "ecr-stub.mjs"),
    inventoryRegister: join(HARNESS_DIR, "loaded-modules-register.mjs"),
  };
};

export interface Builds {
  readonly service: BuiltBundle;
  /** The service with {@link ROLE_POLICY}: every request for its registry assumes a role. */
  readonly serviceRole: BuiltBundle;
  readonly sdkOnly: BuiltBundle;
  readonly sdkStack: BuiltBundle;
  readonly floor: BuiltBundle;
  readonly harness: Harness;
}

export const buildAll = async (): Promise<Builds> => {
  const policyDocument = await bundledPolicyDocument(resolve(ROOT, DEFAULT_POLICY));
  // One after another: the machine has two cores and esbuild uses both.
  const service = await buildService("service", "service");
  const serviceRole = await buildService("service-role", "service, assumed role", ROLE_POLICY);
  const sdkOnly = await buildVariant(
    "sdk-only",
    "sdk-only",
    "bench/handlers/sdk-only.ts",
    policyDocument,
  );
  const sdkStack = await buildVariant(
    "sdk-stack",
    "sdk-stack",
    "bench/handlers/sdk-stack.ts",
    policyDocument,
  );
  const floor = await buildVariant("floor", "floor", "bench/handlers/floor.ts", policyDocument);
  const harness = await buildHarness();
  return { service, serviceRole, sdkOnly, sdkStack, floor, harness };
};

export interface BundleSizes {
  readonly entryBytes: number;
  readonly entryGzipBytes: number;
  /** Every `.mjs` file beside and below the entry: what the deployment package carries. */
  readonly totalBytes: number;
  /** The same files gzipped one by one, as a zip package compresses them. */
  readonly totalGzipBytes: number;
  readonly files: number;
  /** The entry and every chunk it reaches through static imports only. */
  readonly staticBytes: number;
  readonly staticFiles: number;
}

const mjsFiles = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".mjs"))
    .map((entry) => join(entry.parentPath, entry.name));
};

/**
 * The files the entry imports statically, transitively. esbuild re-reads the output bundle and
 * records each import's kind, so this does not depend on how the bundle was built; dynamic
 * `import()` edges are not followed, because a cold start does not load them by itself.
 */
export const staticClosure = async (entry: string): Promise<string[]> => {
  const { metafile } = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
  });
  const seen = new Set<string>();
  const visit = (input: string): void => {
    if (seen.has(input)) return;
    seen.add(input);
    for (const { path, kind } of metafile.inputs[input]?.imports ?? []) {
      if (kind === "import-statement" && path in metafile.inputs) visit(path);
    }
  };
  visit(relative(ROOT, entry));
  return [...seen].map((input) => resolve(ROOT, input));
};

export const measureSizes = async (entry: string): Promise<BundleSizes> => {
  const files = await mjsFiles(resolve(entry, ".."));
  const contents = new Map(
    await Promise.all(files.map(async (file) => [file, await readFile(file)] as const)),
  );
  const bytesOf = (file: string): number => contents.get(file)?.length ?? 0;
  const gzipOf = (file: string): number => {
    const content = contents.get(file);
    return content === undefined ? 0 : gzipSync(content, { level: 9 }).length;
  };
  const closure = await staticClosure(entry);
  return {
    entryBytes: bytesOf(entry),
    entryGzipBytes: gzipOf(entry),
    totalBytes: files.reduce((sum, file) => sum + bytesOf(file), 0),
    totalGzipBytes: files.reduce((sum, file) => sum + gzipOf(file), 0),
    files: files.length,
    staticBytes: closure.reduce((sum, file) => sum + bytesOf(file), 0),
    staticFiles: closure.length,
  };
};
