import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { loadPolicyFile } from "../src/adapters/policy-file.js";

/**
 * Validates every policy file in `policies/` exactly as the function does at cold start, so a
 * broken allowlist fails CI instead of reaching a deployment. Exit code 1 on any failure.
 */
const directory = process.argv[2] ?? "policies";
const files = (await readdir(directory)).filter((name) => /\.ya?ml$/.test(name)).sort();
if (files.length === 0) {
  console.error(`policy:check: no YAML files in ${directory}/`);
  process.exit(1);
}
let failed = 0;
for (const name of files) {
  const path = join(directory, name);
  try {
    const policy = await loadPolicyFile(path);
    console.log(`ok   ${path} (${policy.upstreams.length} upstreams)`);
  } catch (error) {
    failed += 1;
    console.error(`FAIL ${error instanceof Error ? error.message : String(error)}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
