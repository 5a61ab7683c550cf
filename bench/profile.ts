/**
 * `npx tsx bench/profile.ts [--warm N] [--variant name=path/to/index.mjs]`: V8 CPU profiles of
 * one cold start and of N warm calls (default 20,000) of the service's create path against the
 * loopback ECR stub, and the self time per source file and per function, read through the
 * bundle's source map, so that a lever can be aimed at what really costs. Profiles are written
 * to `bench/results/profiles/`; open them in Chrome DevTools for the call tree.
 * @module
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { wholeNumber } from "./args.js";
import { buildAll, RESULTS_DIR } from "./bundles.js";
import { childEnvironment, runChild, startEcrStub } from "./processes.js";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    functionName: string;
    url: string;
    lineNumber: number;
    columnNumber: number;
  };
  readonly hitCount: number;
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
}

interface SourceMap {
  readonly sources: readonly string[];
  readonly names: readonly string[];
  readonly mappings: string;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes a source map's mappings into, per generated line, [column, source] pairs. */
const decodeMappings = (map: SourceMap): number[][][] => {
  const lines: number[][][] = [];
  let source = 0;
  for (const line of map.mappings.split(";")) {
    const segments: number[][] = [];
    let column = 0;
    for (const segment of line.split(",")) {
      if (segment === "") continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = BASE64.indexOf(char);
        value += (digit & 31) << shift;
        if ((digit & 32) !== 0) {
          shift += 5;
        } else {
          values.push(value & 1 ? -(value >> 1) : value >> 1);
          value = 0;
          shift = 0;
        }
      }
      column += values[0] ?? 0;
      if (values.length > 1) source += values[1] ?? 0;
      segments.push([column, source]);
    }
    lines.push(segments);
  }
  return lines;
};

const sourceOf = (
  lines: number[][][],
  sources: readonly string[],
  line: number,
  column: number,
): string => {
  const segments = lines[line] ?? [];
  let found: number | undefined;
  for (const [segmentColumn = 0, source = 0] of segments) {
    if (segmentColumn > column) break;
    found = source;
  }
  return found === undefined ? "?" : (sources[found] ?? "?");
};

const shorten = (source: string): string =>
  source
    .replace(/^.*node_modules\//, "")
    .replace(/^(?:\.\.\/)+/, "")
    .replace(/\/dist-es\/|\/lib\/esm\/|\/dist\//, "/");

const summarise = async (file: string, bundleDir: string, top: number): Promise<string> => {
  const profile = JSON.parse(await readFile(file, "utf8")) as Profile;
  const intervalMs =
    (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const maps = new Map<string, { lines: number[][][]; sources: readonly string[] }>();
  const mapFor = async (url: string) => {
    if (!url.startsWith("file://") || !url.startsWith(`file://${bundleDir}`)) return undefined;
    if (!maps.has(url)) {
      try {
        const map = JSON.parse(await readFile(`${new URL(url).pathname}.map`, "utf8")) as SourceMap;
        maps.set(url, { lines: decodeMappings(map), sources: map.sources });
      } catch {
        return undefined;
      }
    }
    return maps.get(url);
  };
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    if (node.hitCount === 0) continue;
    const { url, lineNumber, columnNumber, functionName } = node.callFrame;
    const map = await mapFor(url);
    const where =
      map === undefined
        ? url === ""
          ? `(${functionName || "native"})`
          : shorten(url)
        : shorten(sourceOf(map.lines, map.sources, lineNumber, columnNumber));
    const ms = node.hitCount * intervalMs;
    total += ms;
    byFile.set(where, (byFile.get(where) ?? 0) + ms);
    const fn = `${functionName || "(anonymous)"} ${where}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const table = (rows: Map<string, number>) =>
    [...rows]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, ms]) =>
          `${ms.toFixed(1).padStart(9)} ms ${((ms / total) * 100).toFixed(1).padStart(5)} %  ${name}`,
      )
      .join("\n");
  return `total sampled ${total.toFixed(1)} ms\n-- self time by source file --\n${table(byFile)}\n-- self time by function --\n${table(byFunction)}`;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      warm: { type: "string" },
      top: { type: "string" },
      variant: { type: "string" },
      "skip-build": { type: "boolean", default: false },
    },
  });
  const warm = wholeNumber(values.warm, "--warm", { fallback: 20_000 });
  const top = wholeNumber(values.top, "--top", { fallback: 25 });
  const builds = await buildAll();
  const entry =
    values.variant === undefined
      ? builds.service.entry
      : resolve(values.variant.split("=").at(-1) ?? "");
  const bundleDir = resolve(entry, "..");
  const outDir = join(RESULTS_DIR, "profiles");
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const stub = await startEcrStub(builds.harness.stub);
  const home = await mkdtemp(join(RESULTS_DIR, "home-"));
  try {
    const env = childEnvironment(stub.url, home);
    for (const [mode, args] of [
      ["cold", [entry, "create", "cold"]],
      ["warm", [entry, "create", "warm", "3000", String(warm)]],
    ] as const) {
      const dir = join(outDir, mode);
      await runChild(builds.harness.child, {
        nodeArgs: [
          "--cpu-prof",
          "--cpu-prof-dir",
          dir,
          "--cpu-prof-interval",
          mode === "cold" ? "100" : "500",
        ],
        env,
        args,
      });
      const [file] = await readdir(dir);
      if (file === undefined) throw new Error(`no ${mode} profile written`);
      console.log(
        `\n=== ${mode}: ${join(dir, file)}\n${await summarise(join(dir, file), bundleDir, top)}`,
      );
    }
  } finally {
    await stub.stop();
    await rm(home, { recursive: true, force: true });
  }
};

await main();
