/**
 * Checks policy files exactly as the function's loader does, so that a broken allowlist fails CI
 * instead of reaching a deployment. `npm run policy:check` checks the file the build bundles;
 * `npm run policy:check -- a.yaml [b.yaml …]` checks those files instead. Prints one `ok` or
 * `FAIL` line per file, then each of its errors and warnings on its own line; exits 1 on any
 * error (warnings alone pass).
 * @module
 */
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkPolicyFile } from "../src/adapters/policy-file.js";
import {
  PolicyError,
  type PolicyProblem,
  type PolicyWarning,
} from "../src/adapters/policy-schema.js";
import { DEFAULT_POLICY, ROOT } from "./build.js";

/** What the check found in one file. */
export interface PolicyFileReport {
  readonly path: string;
  readonly ok: boolean;
  readonly errors: readonly PolicyProblem[];
  readonly warnings: readonly PolicyWarning[];
  /** Entries of a file that passed: its upstreams, and its registries when it has the section. */
  readonly upstreams?: number;
  readonly registries?: number;
}

/** What the check found in every file it was given, in the order given. */
export interface PolicyCheckReport {
  readonly ok: boolean;
  readonly files: readonly PolicyFileReport[];
}

const checkOne = async (path: string): Promise<PolicyFileReport> => {
  try {
    const { policy, warnings } = await checkPolicyFile(path);
    return {
      path,
      ok: true,
      errors: [],
      warnings,
      upstreams: policy.upstreams.length,
      ...(policy.registries === undefined ? {} : { registries: policy.registries.length }),
    };
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return { path, ok: false, errors: error.problems, warnings: error.warnings };
  }
};

/** Checks each file as the function would load it; never throws for a broken policy. */
export const checkPolicyFiles = async (paths: readonly string[]): Promise<PolicyCheckReport> => {
  const files = await Promise.all(paths.map(checkOne));
  return { ok: files.every((file) => file.ok), files };
};

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The report as lines: one `ok`/`FAIL` line per file, then its errors and warnings. */
export const formatPolicyReport = (report: PolicyCheckReport): string[] =>
  report.files.flatMap((file) => {
    const counts = [
      ...(file.upstreams === undefined ? [] : [count(file.upstreams, "upstream")]),
      ...(file.registries === undefined ? [] : [count(file.registries, "registry", "registries")]),
      count(file.errors.length, "error"),
      count(file.warnings.length, "warning"),
    ].join(", ");
    const issues = [...file.errors, ...file.warnings].sort(
      (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
    );
    return [
      `${file.ok ? "ok  " : "FAIL"} ${file.path}: ${counts}`,
      ...issues.map(
        (issue) => `  ${issue.severity === "error" ? "error  " : "warning"} ${issue.text}`,
      ),
    ];
  });

const isMain =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (isMain) {
  const asked = process.argv.slice(2);
  console.log(`policy:check: the function bundles ${DEFAULT_POLICY}`);
  const bundled = relative(process.cwd(), resolve(ROOT, DEFAULT_POLICY));
  const report = await checkPolicyFiles(asked.length === 0 ? [bundled] : asked);
  for (const line of formatPolicyReport(report)) console.log(line);
  process.exitCode = report.ok ? 0 : 1;
}
