/**
 * The policy file as the launcher sees it: checked with the function's own loader before the
 * function starts (so that a broken one is reported at launch, with its cause, and not only in
 * the function's log at its first request), and watched, so that an edit takes effect.
 * @module
 */
import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { loadPolicyFile } from "../../src/adapters/policy-file.js";
import type { UpstreamPolicy } from "../../src/domain/upstream-policy.js";

export type PolicyCheck =
  | { readonly ok: true; readonly summary: string; readonly policy: UpstreamPolicy }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Loads `path` exactly as the function does at cold start. */
export const checkPolicyFile = async (path: string): Promise<PolicyCheck> => {
  try {
    const policy = await loadPolicyFile(path);
    const registries =
      policy.registries === undefined ? "" : `, ${policy.registries.length} registries`;
    return { ok: true, summary: `${policy.upstreams.length} upstreams${registries}`, policy };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // "<file>: problem; problem": one problem a line, without the file name that heads them.
    const problems = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    return { ok: false, problems: problems.split("; ") };
  }
};

/** The file's text, or `undefined` when it cannot be read. */
const readText = (path: string): Promise<string | undefined> =>
  readFile(path, "utf8").catch(() => undefined);

/**
 * Calls `onChange` when the file's content changes (editors that save by renaming a new file into
 * place included: the directory is watched), at most once per burst of events. Returns `stop`.
 */
export const watchPolicyFile = async (path: string, onChange: () => void): Promise<() => void> => {
  let last = await readText(path);
  let timer: NodeJS.Timeout | undefined;
  const settle = async () => {
    const text = await readText(path);
    if (text === last) return;
    last = text;
    onChange();
  };
  const watcher: FSWatcher = watch(dirname(path), (_event, name) => {
    if (name !== null && name !== basename(path)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void settle(), 200);
  });
  watcher.on("error", () => undefined);
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
};
