import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { build as esbuild, type Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATE_PATH_BYTES_CEILING } from "../../bench/targets.js";
import {
  build,
  bundledPolicyDocument,
  DEFAULT_POLICY,
  esbuildOptions,
  FUNCTIONS,
  ROOT,
} from "../../scripts/build.js";
import { buildOpenApiDocument } from "../../src/http/openapi/generate.js";
import { findRoute } from "../../src/http/route-table.js";

// What a one-account cold start of the create path loads, from esbuild's own account of the
// bundle: no timing, so it holds on any machine. The whole create path, the route's chunks
// included (which its first request loads), so that moving code behind an import() cannot hide
// any of it, is held to today's ceiling: the benchmark's 1.12× target is missed, for the reasons
// BENCHMARKS.md gives, and this keeps any change from adding to it unnoticed.

const CREATE_RESOURCE = "/registries/{registryId}/cache-rules";
const CREATE_ROUTE_MODULE = "src/http/routes/create-cache-rule.ts";
const SDK_STACK_HANDLER = "bench/handlers/sdk-stack.ts";

/** What must not load before a one-account create has answered, by the inputs that carry it. */
const UNWANTED: readonly { readonly what: string; readonly matches: (input: string) => boolean }[] =
  [
    {
      what: "the STS client (@aws-sdk/client-sts)",
      matches: (input) => input.includes("node_modules/@aws-sdk/client-sts/"),
    },
    { what: "the YAML parser (yaml)", matches: (input) => input.includes("node_modules/yaml/") },
    {
      what: "zod's JSON-Schema generator",
      matches: (input) =>
        /node_modules\/zod\/(?:.*\/)?(?:json-schema[^/]*|to-json-schema[^/]*)$/.test(input),
    },
    {
      what: "the OpenAPI generator (src/http/openapi/generate.ts)",
      matches: (input) => input === "src/http/openapi/generate.ts",
    },
    {
      what: "the policy schema (src/adapters/policy-schema.ts)",
      matches: (input) => input === "src/adapters/policy-schema.ts",
    },
    {
      what: "the policy file loader (src/adapters/policy-file.ts)",
      matches: (input) => input === "src/adapters/policy-file.ts",
    },
  ];

/** Output files reachable from `from` through static imports (dynamic `import()` not followed). */
const staticClosure = (metafile: Metafile, from: string): Set<string> => {
  const seen = new Set<string>();
  const visit = (output: string): void => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const { path, kind } of metafile.outputs[output]?.imports ?? []) {
      if (kind === "import-statement" && path in metafile.outputs) visit(path);
    }
  };
  visit(from);
  return seen;
};

const bytesOf = (metafile: Metafile, outputs: Iterable<string>): number =>
  [...outputs].reduce((sum, output) => sum + (metafile.outputs[output]?.bytes ?? 0), 0);

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;

/** Every `.mjs` file under `dir` with its size, by path relative to `dir`. */
const mjsSizes = async (dir: string): Promise<Record<string, number>> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".mjs"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  return Object.fromEntries(
    await Promise.all(files.map(async (file) => [relative(dir, file), (await stat(file)).size])),
  );
};

interface Measured {
  /** The service's create path at cold start: the entry's closure and the create route's. */
  readonly createPath: ReadonlySet<string>;
  readonly createPathBytes: number;
  readonly entryClosureBytes: number;
  readonly stackStaticBytes: number;
  readonly service: Metafile;
}

let scratch: string | undefined;
let measured: Measured | undefined;

const figures = (): Measured => {
  if (measured === undefined) throw new Error("the bundles were not built");
  return measured;
};

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "bundle-budget-"));
  const [fn] = FUNCTIONS;
  // What ships: the build script's own build() (its options, inlined policy and input checks).
  const shipped = join(scratch, "shipped");
  await build({ outdir: shipped });
  // build() returns sizes, not esbuild's metafile: the same options again, for the metafile.
  const policyDocument = await bundledPolicyDocument(resolve(ROOT, DEFAULT_POLICY));
  const serviceDir = join(scratch, "service", fn.name);
  const { metafile: service } = await esbuild(
    esbuildOptions(fn.entry, serviceDir, policyDocument, await buildOpenApiDocument()),
  );
  const stackDir = join(scratch, "sdk-stack");
  const { metafile: stack } = await esbuild(
    esbuildOptions(SDK_STACK_HANDLER, stackDir, policyDocument),
  );
  if (service === undefined || stack === undefined) throw new Error("esbuild gave no metafile");
  // The analysed bundle must be the shipped one, file for file, or the figures describe nothing.
  expect(await mjsSizes(serviceDir)).toEqual(await mjsSizes(join(shipped, fn.name)));

  const outputOf = (dir: string): string => relative(ROOT, join(dir, "index.mjs"));
  const entry = outputOf(serviceDir);
  const entryClosure = staticClosure(service, entry);
  // The chunk the route table's load() imports; none when the route is bundled statically.
  const routeChunk = Object.keys(service.outputs).find(
    (output) => service.outputs[output]?.entryPoint === CREATE_ROUTE_MODULE,
  );
  const createPath = new Set([
    ...entryClosure,
    ...(routeChunk === undefined ? [] : staticClosure(service, routeChunk)),
  ]);
  const inPath = [...createPath].some(
    (output) => service.outputs[output]?.inputs[CREATE_ROUTE_MODULE] !== undefined,
  );
  if (!inPath) throw new Error(`${CREATE_ROUTE_MODULE} is in no output of the create path`);
  measured = {
    createPath,
    createPathBytes: bytesOf(service, createPath),
    entryClosureBytes: bytesOf(service, entryClosure),
    stackStaticBytes: bytesOf(stack, staticClosure(stack, outputOf(stackDir))),
    service,
  };
});

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe("the create path's bundle budget at a one-account cold start", () => {
  it("measures the module the route table's load() imports for POST .../cache-rules", async () => {
    const loaded = await findRoute("POST", CREATE_RESOURCE)?.load();
    const createRoute = await import("../../src/http/routes/create-cache-rule.js");
    expect(loaded).toBe(createRoute.route);
  });

  const summaryOf = ({
    createPath,
    createPathBytes,
    entryClosureBytes,
    stackStaticBytes,
  }: Measured): string =>
    `create path at cold start ${kb(createPathBytes)} in ${createPath.size} files ` +
    `(entry's static closure ${kb(entryClosureBytes)}, ` +
    `${(entryClosureBytes / stackStaticBytes).toFixed(3)}× sdk-stack; create route ` +
    `+${kb(createPathBytes - entryClosureBytes)}); sdk-stack static ${kb(stackStaticBytes)}; ` +
    `${(createPathBytes / stackStaticBytes).toFixed(3)}× sdk-stack`;

  it(`loads at most ${CREATE_PATH_BYTES_CEILING}× sdk-stack's bytes to its first answer, route chunks included`, () => {
    const { createPathBytes, stackStaticBytes } = figures();
    const summary = summaryOf(figures());
    console.log(summary);
    expect(createPathBytes, summary).toBeLessThanOrEqual(
      CREATE_PATH_BYTES_CEILING * stackStaticBytes,
    );
  });

  it.each(UNWANTED.map((unwanted) => [unwanted.what, unwanted] as const))(
    "leaves out %s",
    (_, { matches }) => {
      const { createPath, service } = figures();
      const found = [...createPath].flatMap((output) =>
        Object.keys(service.outputs[output]?.inputs ?? {})
          .filter(matches)
          .map((input) => `${input} (in ${output.split("/").slice(-2).join("/")})`),
      );
      expect(found).toEqual([]);
    },
  );
});
