/**
 * Bundles the Lambda function into `dist/<function>/index.mjs` (plus on-demand chunks: one per
 * route, loaded on the route's first request) with the validated policy and the generated
 * OpenAPI document inlined. Run with `npm run build`; `serverless package` and `npm start` run
 * it too. Prints one size line per function and exits non-zero on any error.
 * @module
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build as esbuild, type Metafile, type Plugin } from "esbuild";
import { checkPolicyFile } from "../src/adapters/policy-file.js";
import { bundledPolicyOf } from "../src/adapters/policy-source.js";
import { buildOpenApiDocument } from "../src/http/openapi/generate.js";

/** The repository root, so the build gives the same result from any working directory. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The one deployed function, behind every route; `serverless.yml` names the same directory. */
export const FUNCTIONS = [{ name: "api", entry: "src/handlers/api.ts" }] as const;

export const DEFAULT_POLICY = "policies/upstream-registries.yaml";

// Only local runs, tests and the build may use these; a bundle that pulls one in is an error.
const FORBIDDEN_INPUTS =
  /^(?:(?:dev|test|bench|scripts|policies)\/|src\/http\/openapi\/generate\.ts$|src\/http\/response-schemas\.ts$)/;

// Only zod's JSON Schema generator writes this; the bundle must carry its output, not its code.
const SCHEMA_TO_JSON_MARKER = "draft-2020-12";

/** The module whose source generates the OpenAPI document; the bundle gets the document. */
const OPENAPI_DOCUMENT_MODULE = /src[\\/]http[\\/]openapi[\\/]document\.ts$/;

/** Replaces the document module with the generated document, as one lazily loaded chunk. */
const openApiDocumentPlugin = (document: unknown): Plugin => ({
  name: "openapi-document",
  setup(builder) {
    builder.onLoad({ filter: OPENAPI_DOCUMENT_MODULE }, () => ({
      contents: `export const loadOpenApiDocument = async () => (${JSON.stringify(document)});`,
      loader: "js",
    }));
  },
});

// Some CommonJS dependencies call `require()` for Node built-ins, which an ES module lacks.
// The alias keeps the banner's import from colliding with a name in the minified output.
const REQUIRE_BANNER =
  'import { createRequire as __bundleCreateRequire } from "node:module"; const require = __bundleCreateRequire(import.meta.url);';

export interface FunctionSize {
  readonly name: string;
  readonly entryBytes: number;
  readonly entryGzipBytes: number;
  /** The entry plus the chunks it imports statically. */
  readonly coldStartBytes: number;
  readonly coldStartFiles: number;
  /** All `.mjs` files of the function: the entry and every chunk. */
  readonly totalBytes: number;
  readonly files: number;
}

export interface BuildResult {
  readonly functions: readonly FunctionSize[];
  readonly durationMs: number;
}

export interface BuildSettings {
  /** Where `<function>/index.mjs` go; default `dist` under the repository root. */
  readonly outdir?: string;
  /** The policy to inline; default the reviewed file in `policies/`. */
  readonly policyFile?: string;
}

/**
 * Checks the policy file exactly as `POLICY_FILE` is checked at cold start (strict YAML, the
 * full schema; a broken file stops the build) and returns what the build inlines: the validated
 * policy, its warnings and their digest, which the function verifies instead of validating the
 * same policy again (see `policy-source.ts`).
 */
export const bundledPolicyDocument = async (policyFile: string): Promise<unknown> => {
  const { policy, warnings } = await checkPolicyFile(policyFile);
  return bundledPolicyOf(policy, warnings, relative(ROOT, policyFile));
};

/** The esbuild options for one function: shared with the benchmark, so it measures what ships. */
export const esbuildOptions = (
  entry: string,
  outdir: string,
  policyDocument: unknown,
  openApiDocument: unknown = {},
): BuildOptions => ({
  absWorkingDir: ROOT,
  entryPoints: { index: entry },
  outdir,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  outExtension: { ".js": ".mjs" },
  // Dynamic imports (each route's own code, the YAML parser behind POLICY_FILE, the SDK's
  // unused credential providers) become chunks that a cold start loads only when used.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  minify: true,
  treeShaking: true,
  // The SDK's ES module builds tree-shake far better than its CommonJS ones.
  mainFields: ["module", "main"],
  // Maps stay beside the bundle for local debugging; the package leaves them out.
  sourcemap: "linked",
  legalComments: "external",
  banner: { js: REQUIRE_BANNER },
  define: { __BUNDLED_POLICY__: JSON.stringify(policyDocument) },
  plugins: [openApiDocumentPlugin(openApiDocument)],
  metafile: true,
  logLevel: "warning",
});

const checkInputs = async (name: string, metafile: Metafile): Promise<void> => {
  const forbidden = Object.keys(metafile.inputs).filter((input) => FORBIDDEN_INPUTS.test(input));
  if (forbidden.length > 0) {
    throw new Error(`${name}: the bundle must not include ${forbidden.join(", ")}`);
  }
  for (const output of Object.keys(metafile.outputs).filter((path) => path.endsWith(".mjs"))) {
    const code = await readFile(resolve(ROOT, output), "utf8");
    // The document itself names the JSON Schema dialect only as "$schema"-free JSON.
    if (code.includes(SCHEMA_TO_JSON_MARKER)) {
      throw new Error(`${name}: ${output} carries schema-to-JSON code`);
    }
  }
};

/** The entry and every chunk it imports statically: what a cold start loads and parses. */
const coldStartFiles = (metafile: Metafile, entryPath: string): Set<string> => {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const { path: imported, kind } of metafile.outputs[path]?.imports ?? []) {
      if (kind === "import-statement" && imported in metafile.outputs) visit(imported);
    }
  };
  visit(entryPath);
  return seen;
};

const sizeOf = async (name: string, outdir: string, metafile: Metafile): Promise<FunctionSize> => {
  const entryPath = relative(ROOT, resolve(outdir, "index.mjs"));
  if (!(entryPath in metafile.outputs)) throw new Error(`${name}: esbuild wrote no ${entryPath}`);
  const outputs = Object.entries(metafile.outputs).filter(([path]) => path.endsWith(".mjs"));
  const entry = await readFile(resolve(ROOT, entryPath));
  const coldStart = coldStartFiles(metafile, entryPath);
  return {
    name,
    entryBytes: entry.length,
    entryGzipBytes: gzipSync(entry, { level: 9 }).length,
    coldStartBytes: outputs
      .filter(([path]) => coldStart.has(path))
      .reduce((sum, [, output]) => sum + output.bytes, 0),
    coldStartFiles: coldStart.size,
    totalBytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0),
    files: outputs.length,
  };
};

/**
 * Deletes what the build did not just write (chunks from earlier builds carry other content
 * hashes). Pruning afterwards instead of emptying the directory first keeps a running
 * `npm start` or a parallel test from ever seeing the function directory without its files.
 */
const pruneStaleFiles = async (functionDir: string, metafile: Metafile): Promise<void> => {
  const written = new Set(Object.keys(metafile.outputs).map((path) => resolve(ROOT, path)));
  const entries = await readdir(functionDir, { recursive: true, withFileTypes: true });
  await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map((entry) => resolve(entry.parentPath, entry.name))
      .filter((path) => !written.has(path))
      .map((path) => rm(path, { force: true })),
  );
};

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** One line per function, for humans and for CI logs. */
export const formatSize = (size: FunctionSize): string =>
  `${size.name}: index.mjs ${size.entryBytes} B (${kib(size.entryBytes)}, gzip ${kib(size.entryGzipBytes)}); ` +
  `loaded at cold start ${kib(size.coldStartBytes)} in ${size.coldStartFiles} files; ` +
  `all ${size.files} .mjs files ${size.totalBytes} B (${kib(size.totalBytes)})`;

/** Builds every function in parallel, each into its own directory holding nothing else. */
export const build = async ({
  outdir = resolve(ROOT, "dist"),
  policyFile = resolve(ROOT, DEFAULT_POLICY),
}: BuildSettings = {}): Promise<BuildResult> => {
  const started = performance.now();
  const policyDocument = await bundledPolicyDocument(policyFile);
  const openApiDocument = await buildOpenApiDocument();
  const functions = await Promise.all(
    FUNCTIONS.map(async ({ name, entry }) => {
      const functionDir = resolve(outdir, name);
      const { metafile } = await esbuild(
        esbuildOptions(entry, functionDir, policyDocument, openApiDocument),
      );
      if (metafile === undefined) throw new Error(`${name}: esbuild returned no metafile`);
      await checkInputs(name, metafile);
      await pruneStaleFiles(functionDir, metafile);
      return sizeOf(name, functionDir, metafile);
    }),
  );
  return { functions, durationMs: performance.now() - started };
};

const isMain =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (isMain) {
  try {
    // `--policy <file>`: the policy to inline instead of policies/upstream-registries.yaml (the
    // serverless plugin passes the `policyFile` param here).
    const { values } = parseArgs({ options: { policy: { type: "string" } }, strict: true });
    const result = await build(
      values.policy === undefined ? {} : { policyFile: resolve(ROOT, values.policy) },
    );
    for (const size of result.functions) console.log(formatSize(size));
    console.log(
      `build: ${result.functions.length} functions in ${Math.round(result.durationMs)} ms`,
    );
  } catch (error) {
    // esbuild has already printed its own diagnostics; a policy error carries its own message.
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
