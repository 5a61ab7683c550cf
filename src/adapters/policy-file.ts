import { readFile } from "node:fs/promises";
import type { Document, LineCounter, ParsedNode, Scalar } from "yaml";
import type { UpstreamPolicy } from "../domain/upstream-policy.js";
import {
  concludePolicyCheck,
  type PolicyCheck,
  PolicyError,
  type PolicyFinding,
  type PolicyIssue,
  type PolicyPath,
  toPolicyIssue,
  validatePolicyDocument,
} from "./policy-schema.js";

/** The reviewed org allowlist; the build inlines it, so only source runs read it from disk. */
export const DEFAULT_POLICY_FILE = new URL(
  "../../policies/upstream-registries.yaml",
  import.meta.url,
);

type Yaml = typeof import("yaml");

/** A finding of the YAML layer: where it is in the text, and whether it hides the schema's. */
interface YamlFinding extends PolicyFinding {
  readonly offset: number;
  /**
   * The text there is not what the document holds (an alias, a merge key, a syntax error): what
   * the schema says at or under the same path would only echo it, so that is left out. A tag
   * hides nothing: the value it tags is judged as loaded.
   */
  readonly shadows: boolean;
}

const yamlError = (
  path: PolicyPath,
  offset: number,
  message: string,
  shadows: boolean,
): YamlFinding => ({ severity: "error", path, target: "value", message, offset, shadows });

const DIRECTIVE = /^%(\S*)[ \t]*(\S*)/;
const BLANK_OR_COMMENT = /^[ \t]*(?:#.*)?\r?$/;

/**
 * Refuses every directive but `%YAML 1.2`. The `%YAML` lines (and unknown ones) are turned into
 * comments of the same length, so that the rest is read as YAML 1.2 whatever they said, with
 * every position unchanged; `%TAG` lines stay, so that tags using them still resolve (and are
 * refused as tags).
 */
const readDirectives = (text: string): { text: string; findings: YamlFinding[] } => {
  const findings: YamlFinding[] = [];
  let kept = text;
  let offset = 0;
  for (const line of text.split("\n")) {
    const match = DIRECTIVE.exec(line);
    if (match === null) {
      if (!BLANK_OR_COMMENT.test(line)) break;
    } else {
      const [, name, value] = match;
      if (name === "TAG") {
        findings.push(
          yamlError([], offset, "%TAG directives are not allowed: the policy uses no tags", false),
        );
      } else {
        kept = `${kept.slice(0, offset)}#${kept.slice(offset + 1)}`;
        if (name !== "YAML") {
          findings.push(yamlError([], offset, `directive %${name} is not allowed`, false));
        } else if (value !== "1.2") {
          findings.push(
            yamlError(
              [],
              offset,
              `%YAML ${value} is not allowed: the policy is read as YAML 1.2 (leave the directive out)`,
              false,
            ),
          );
        }
      }
    }
    offset += line.length + 1;
  }
  return { text: kept, findings };
};

/** A key as the parsed document spells it: a null key (`~:`) becomes the empty string. */
const keyName = (key: Scalar.Parsed): string => (key.value === null ? "" : String(key.value));

/** Where a path's key and value start in the text, for every path the tree holds. */
type Positions = Map<string, { readonly key: number; readonly value: number }>;

const pathId = (path: PolicyPath): string => JSON.stringify(path);

const SPACE = /\s/;
const TOKEN_START = /[\s,[{]/;

/**
 * Where the properties written before a node (its `!tag` and `&anchor`, in either order) start,
 * and how the tag was spelt: the parser's range of a node begins after them. Absent when
 * something else (a comment) stands between them and the node.
 */
const propertiesBefore = (
  text: string,
  start: number,
): { tag?: { offset: number; source: string }; anchor?: number } => {
  const found: { tag?: { offset: number; source: string }; anchor?: number } = {};
  let end = start;
  for (let round = 0; round < 2; round += 1) {
    while (end > 0 && SPACE.test(text.charAt(end - 1))) end -= 1;
    let begin = end;
    while (begin > 0 && !TOKEN_START.test(text.charAt(begin - 1))) begin -= 1;
    const token = text.slice(begin, end);
    if (token.startsWith("!")) found.tag = { offset: begin, source: token };
    else if (token.startsWith("&")) found.anchor = begin;
    else break;
    end = begin;
  }
  return found;
};

/**
 * The YAML layer's own rules, on the node tree: no aliases, anchors, tags, merge keys, complex
 * or duplicate keys, and `version` written as the plain integer `1`. `structured` is false when
 * a key is not a plain scalar: then the document has no shape that the schema could judge.
 */
const treeFindings = (
  yaml: Yaml,
  doc: Document.Parsed,
  text: string,
  lineCounter: LineCounter,
): { findings: YamlFinding[]; structured: boolean; positions: Positions } => {
  const findings: YamlFinding[] = [];
  const positions: Positions = new Map();
  let structured = true;
  const sourceOf = (node: ParsedNode): string => text.slice(node.range[0], node.range[1]);
  const marks = (node: ParsedNode, path: PolicyPath): void => {
    const written = propertiesBefore(text, node.range[0]);
    if (node.anchor !== undefined) {
      findings.push(
        yamlError(
          path,
          written.anchor ?? node.range[0],
          `YAML anchors are not allowed (&${node.anchor})`,
          false,
        ),
      );
    }
    if (node.tag !== undefined) {
      findings.push(
        yamlError(
          path,
          written.tag?.offset ?? node.range[0],
          `YAML tags are not allowed (${written.tag?.source ?? node.tag})`,
          false,
        ),
      );
    }
  };
  // 1.0, 0x1, +1 and 01 all load as 1; only the plain integer is the version.
  const checkVersion = (node: ParsedNode | null): void => {
    if (!yaml.isScalar(node) || node.value !== 1 || node.tag !== undefined) return;
    const written = sourceOf(node);
    if (written === "1") return;
    findings.push(
      yamlError(
        ["version"],
        node.range[0],
        `must be the integer 1, written 1, not ${written}`,
        false,
      ),
    );
  };
  const walk = (node: ParsedNode | null, path: PolicyPath): void => {
    // The parser leaves a key without value (`upstreams` with no colon) without a node.
    if (node == null) return;
    if (yaml.isAlias(node)) {
      findings.push(
        yamlError(path, node.range[0], `YAML aliases are not allowed (*${node.source})`, true),
      );
      return;
    }
    marks(node, path);
    if (yaml.isSeq(node)) {
      for (const [index, item] of node.items.entries()) {
        positions.set(pathId([...path, index]), { key: item.range[0], value: item.range[0] });
        walk(item, [...path, index]);
      }
    }
    if (!yaml.isMap(node)) return;
    const first = new Map<string, ParsedNode>();
    for (const { key, value } of node.items) {
      if (!yaml.isScalar(key)) {
        structured = false;
        findings.push(yamlError(path, key.range[0], "mapping keys must be plain strings", false));
        continue;
      }
      const name = keyName(key);
      const keyPath = [...path, name];
      // The last of duplicate keys is the one the parsed document holds, and so is its place.
      positions.set(pathId(keyPath), { key: key.range[0], value: (value ?? key).range[0] });
      if (key.type === "PLAIN" && sourceOf(key) === "<<") {
        findings.push(
          yamlError(keyPath, key.range[0], "YAML merge keys (<<) are not allowed", true),
        );
        continue;
      }
      marks(key, keyPath);
      const earlier = first.get(name);
      if (earlier === undefined) {
        first.set(name, key);
      } else {
        const { line, col } = lineCounter.linePos(earlier.range[0]);
        findings.push({
          ...yamlError(
            keyPath,
            key.range[0],
            `duplicate key: already given at line ${line}, column ${col}`,
            false,
          ),
          target: "key",
        });
      }
      if (path.length === 0 && name === "version") checkVersion(value);
      walk(value, keyPath);
    }
  };
  if (doc.contents !== null) {
    positions.set(pathId([]), { key: doc.contents.range[0], value: doc.contents.range[0] });
  }
  walk(doc.contents, []);
  return { findings, structured, positions };
};

/** The path of the deepest node around `offset`, for the parser's own errors. */
const pathAt = (yaml: Yaml, doc: Document.Parsed, offset: number): PolicyPath => {
  const path: (string | number)[] = [];
  const around = (node: ParsedNode | null): boolean =>
    node != null && node.range[0] <= offset && offset < node.range[2];
  let node: ParsedNode | null = doc.contents;
  for (;;) {
    if (yaml.isSeq(node)) {
      const index = node.items.findIndex(around);
      const item = node.items[index];
      if (item === undefined) return path;
      path.push(index);
      node = item;
    } else if (yaml.isMap(node)) {
      const pair = node.items.find((item) => around(item.key) || around(item.value));
      if (pair === undefined || !yaml.isScalar(pair.key)) return path;
      path.push(keyName(pair.key));
      if (!around(pair.value)) return path;
      node = pair.value;
    } else {
      return path;
    }
  }
};

/** The text offset a schema finding points at: its value, its key, or (missing) its mapping. */
const offsetOf = (positions: Positions, finding: PolicyFinding): number => {
  for (let length = finding.path.length; length >= 0; length -= 1) {
    const at = positions.get(pathId(finding.path.slice(0, length)));
    if (at !== undefined) return finding.target === "key" ? at.key : at.value;
  }
  return 0;
};

const shadowedBy = (shadows: readonly PolicyPath[], path: PolicyPath): boolean =>
  shadows.some(
    (shadow) => shadow.length <= path.length && shadow.every((segment, i) => segment === path[i]),
  );

/**
 * Parses policy YAML strictly and returns the policy with its warnings, or throws one
 * `PolicyError` with every error of the text, each at its line and column: syntax errors,
 * directives other than `%YAML 1.2`, anchors, aliases, merge keys, tags, duplicate keys, a
 * `version` not written as the integer `1`, and everything `validatePolicyDocument` refuses.
 * Numbers stay numbers, so an unquoted registry id is refused instead of losing a leading zero.
 * The YAML parser is loaded on demand: the deployed function gets the policy as build-time JSON.
 */
export const checkPolicyYaml = async (text: string, source: string): Promise<PolicyCheck> => {
  // `yaml` is CommonJS: only its default export (module.exports) exists once bundled as ESM.
  const yaml: Yaml = (await import("yaml")).default;
  const directives = readDirectives(text);
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(directives.text, {
    strict: true,
    uniqueKeys: false,
    prettyErrors: false,
    lineCounter,
  });
  const parserFindings = [...doc.errors, ...doc.warnings]
    // Tags and directives have rules of their own below, with their own messages.
    .filter(
      (error) =>
        error.code !== "BAD_DIRECTIVE" &&
        !(error.code === "TAG_RESOLVE_FAILED" && error.name === "YAMLWarning"),
    )
    .map((error) => {
      const path = pathAt(yaml, doc, error.pos[0]);
      // The parser's own advice for this one names a function of its API.
      const message =
        error.code === "MULTIPLE_DOCS" ? "the file must hold one YAML document" : error.message;
      return yamlError(path, error.pos[0], `YAML syntax error: ${message}`, path.length > 0);
    });
  const tree = treeFindings(yaml, doc, directives.text, lineCounter);
  const yamlFindings = [...directives.findings, ...parserFindings, ...tree.findings];

  let document: unknown;
  let validated: ReturnType<typeof validatePolicyDocument> = { findings: [] };
  try {
    // A complex key has no place in a plain object: nothing to validate then.
    if (tree.structured) {
      document = doc.toJS();
      validated = validatePolicyDocument(document);
    }
  } catch {
    // Only an unresolved alias can make toJS throw, and aliases are refused above.
  }
  const shadows = yamlFindings.filter((finding) => finding.shadows).map((finding) => finding.path);
  const located = [
    ...yamlFindings,
    ...validated.findings
      .filter((finding) => !shadowedBy(shadows, finding.path))
      .map((finding) => ({ ...finding, offset: offsetOf(tree.positions, finding) })),
  ].sort((a, b) => a.offset - b.offset);
  const issues: PolicyIssue[] = located.map(({ offset, ...finding }) => {
    const { line, col } = lineCounter.linePos(offset);
    return toPolicyIssue(finding, document, source, { line, column: col });
  });
  return concludePolicyCheck(source, issues, validated.policy);
};

/** Parses policy YAML strictly (see `checkPolicyYaml`) and returns only the policy. */
export const parsePolicyYaml = async (text: string, source: string): Promise<UpstreamPolicy> =>
  (await checkPolicyYaml(text, source)).policy;

/** Reads and validates one policy file, returning the policy with its warnings. */
export const checkPolicyFile = async (path: string | URL): Promise<PolicyCheck> => {
  const source = typeof path === "string" ? path : path.pathname;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    // What readFile rejects with is a system error with a code, such as ENOENT or EACCES.
    const message = `cannot be read (${String(Reflect.get(Object(error), "code"))})`;
    throw new PolicyError(
      source,
      [{ severity: "error", source, path: [], message, text: `${source}: ${message}` }],
      [],
      { cause: error },
    );
  }
  return checkPolicyYaml(text, source);
};

/** Reads and validates one policy file. */
export const loadPolicyFile = async (path: string | URL): Promise<UpstreamPolicy> =>
  (await checkPolicyFile(path)).policy;
