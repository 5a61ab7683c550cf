/**
 * Module hooks for the inventory run: appends every file URL Node loads to the file named by
 * `BENCH_LOADED_MODULES_FILE`, so the benchmark can tell which chunks a cold start really reads,
 * dynamic imports during the first request included. Never active in a timed run.
 * @module
 */
import { appendFileSync } from "node:fs";
import type { LoadHook } from "node:module";

const target = process.env["BENCH_LOADED_MODULES_FILE"];

export const load: LoadHook = (url, context, nextLoad) => {
  if (target !== undefined && url.startsWith("file:")) appendFileSync(target, `${url}\n`);
  return nextLoad(url, context);
};
