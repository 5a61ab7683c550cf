import { readFile } from "node:fs/promises";
import type { UpstreamPolicy } from "../domain/upstream-policy.js";
import { PolicyError, parsePolicyDocument } from "./policy-schema.js";

/** The reviewed org allowlist; the build inlines it, so only source runs read it from disk. */
export const DEFAULT_POLICY_FILE = new URL(
  "../../policies/upstream-registries.yaml",
  import.meta.url,
);

/**
 * Parses policy YAML strictly: no anchors or aliases, no duplicate keys, no custom tags, and
 * numbers stay numbers, so an unquoted registry id is refused instead of losing a leading zero.
 * The YAML parser is loaded on demand: the deployed function gets the policy as build-time JSON.
 */
export const parsePolicyYaml = async (text: string, source: string): Promise<UpstreamPolicy> => {
  // `yaml` is CommonJS: only its default export (module.exports) exists once bundled as ESM.
  const { parseDocument, visit } = (await import("yaml")).default;
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message.split("\n")[0]);
  visit(doc, {
    Alias: () => {
      problems.push("YAML aliases are not allowed");
      return visit.BREAK;
    },
    Node: (_key, node) => {
      if ("anchor" in node && node.anchor) problems.push("YAML anchors are not allowed");
    },
  });
  if (problems.length > 0) throw new PolicyError(`${source}: ${problems.join("; ")}`);
  return parsePolicyDocument(doc.toJS(), source);
};

/** Reads and validates one policy file. */
export const loadPolicyFile = async (path: string | URL): Promise<UpstreamPolicy> => {
  const source = typeof path === "string" ? path : path.pathname;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "error";
    throw new PolicyError(`${source}: cannot be read (${code})`, { cause: error });
  }
  return parsePolicyYaml(text, source);
};
