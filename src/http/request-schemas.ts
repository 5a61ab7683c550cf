import * as z from "zod/mini";
import { type FieldError, invalidRequest } from "../domain/errors.js";
import { canonicaliseUpstream } from "../domain/upstream-policy.js";

/**
 * The request's parts as the schemas see them: path parameters, query parameters (each given
 * once; repeats are refused before), and the JSON body, if the route takes one.
 */
export interface RawRequest {
  readonly path: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

const REGISTRY_ID = /^[0-9]{12}$/;
// Stricter than ECR on purpose (contract §1): no '/', no '__' runs, no ROOT, at most 20.
const CREATE_PREFIX = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
// Reads take any prefix ECR itself accepts (2 to 30 characters, `ROOT`), so that rules made
// outside the service, or before its stricter create rule, can still be read.
const ECR_PREFIX = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*|ROOT)$/;
// ECR's own rule for upstreamRepositoryPrefix (contract §8).
const UPSTREAM_PREFIX =
  /^(?:[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$/;

export const requiredString = z.string({
  error: (issue) => (issue.input === undefined ? "is required" : "must be a string"),
});

export const registryId = requiredString.check(z.regex(REGISTRY_ID, "must be exactly 12 digits"));

export const createPrefix = requiredString.check(
  z.minLength(2, "must be 2 to 20 characters"),
  z.maxLength(20, "must be 2 to 20 characters"),
  z.regex(
    CREATE_PREFIX,
    "must be lower-case letters and digits, separated by single '.', '_' or '-'",
  ),
);

export const existingPrefix = requiredString.check(
  z.minLength(2, "must be 2 to 30 characters"),
  z.maxLength(30, "must be 2 to 30 characters"),
  z.regex(
    ECR_PREFIX,
    "must be lower-case letters and digits, separated by single '.', '_', '-' or '/', or ROOT",
  ),
);

export const upstreamRegistryUrl = requiredString.check(
  z.superRefine((value, ctx) => {
    const result = canonicaliseUpstream(value);
    if (!result.ok) ctx.issues.push({ code: "custom", input: value, message: result.reason });
  }),
);

export const upstreamRepositoryPrefix = requiredString.check(
  z.minLength(2, "must be 2 to 30 characters"),
  z.maxLength(30, "must be 2 to 30 characters"),
  z.regex(
    UPSTREAM_PREFIX,
    "must be lower-case letters and digits in '/'-separated parts (joined by '.', '_', '__' or '-'), or ROOT",
  ),
);

/** The path of a route that names one rule. */
export const rulePath = z.strictObject({ registryId, ecrRepositoryPrefix: existingPrefix });

/** A query or path with nothing in it. */
export const nothing = z.strictObject({});

/** The largest number of field errors one answer lists; the detail says how many more. */
export const MAX_FIELD_ERRORS = 20;
const MAX_NAMED_FIELDS = 5;
const MAX_NAME_LENGTH = 40;

const printable = (name: string): string =>
  name.replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_NAME_LENGTH);

/**
 * Whether `a` becomes `b` with at most `edits` single-character insertions, deletions,
 * substitutions or swaps of neighbours (a plain recursion: `edits` is at most 2 here).
 */
const withinEdits = (a: string, b: string, edits: number): boolean => {
  if (a === b) return true;
  if (edits === 0) return false;
  if (a.length > 0 && b.length > 0 && a.charAt(0) === b.charAt(0)) {
    return withinEdits(a.slice(1), b.slice(1), edits);
  }
  const swapped = a.length > 1 && a.charAt(1) === b.charAt(0) && a.charAt(0) === b.charAt(1);
  return (
    (swapped && withinEdits(a.slice(2), b.slice(2), edits - 1)) ||
    withinEdits(a.slice(1), b, edits - 1) ||
    withinEdits(a, b.slice(1), edits - 1) ||
    withinEdits(a.slice(1), b.slice(1), edits - 1)
  );
};

const MAX_GUESSED_NAME = 64;

/**
 * The known name an unknown one was probably meant to be: the same letters in another case,
 * else the first within one edit, else (for names of eight characters or more) within two.
 */
export const closestName = (unknown: string, known: readonly string[]): string | undefined => {
  if (unknown.length > MAX_GUESSED_NAME) return undefined;
  const lower = unknown.toLowerCase();
  for (const edits of [0, 1, 2]) {
    const match = known.find(
      (name) => (edits < 2 || name.length >= 8) && withinEdits(lower, name.toLowerCase(), edits),
    );
    if (match !== undefined) return match;
  }
  return undefined;
};

type Section = "path" | "query" | "body";

const SECTION_NOUN: Readonly<Record<Section, string>> = {
  path: "path parameter",
  query: "query parameter",
  body: "field",
};

const isSection = (value: unknown): value is Section =>
  value === "path" || value === "query" || value === "body";

/** The member names each section of a request schema knows, for "did you mean". */
const knownNames = (schema: z.ZodMiniType): Readonly<Record<Section, readonly string[]>> => {
  const known: Record<Section, string[]> = { path: [], query: [], body: [] };
  const shape = (schema as z.ZodMiniObject)._zod.def.shape;
  for (const section of ["path", "query", "body"] as const) {
    let part: z.core.$ZodType | undefined = shape[section];
    while (part !== undefined && part._zod.def.type === "optional") {
      part = (part as z.core.$ZodOptional)._zod.def.innerType;
    }
    if (part?._zod.def.type === "object") {
      known[section] = Object.keys((part as z.core.$ZodObject)._zod.def.shape);
    }
  }
  return known;
};

/**
 * Field errors named as the caller knows them: the path parameter, query parameter or body
 * member itself. A member of the wrong type gets only that complaint.
 */
const fieldErrors = (
  issues: readonly z.core.$ZodIssue[],
  known: Readonly<Record<Section, readonly string[]>>,
): FieldError[] => {
  const fieldOf = (issue: z.core.$ZodIssue): string => issue.path.slice(1).map(String).join(".");
  const wrongType = new Set(issues.filter((issue) => issue.code === "invalid_type").map(fieldOf));
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      const section = isSection(issue.path[0]) ? issue.path[0] : "body";
      return issue.keys.map((key) => {
        const guess = closestName(key, known[section]);
        return {
          field: key,
          message: `is not a known ${SECTION_NOUN[section]}${guess === undefined ? "" : `; did you mean '${guess}'?`}`,
        };
      });
    }
    const field = fieldOf(issue);
    return issue.code !== "invalid_type" && wrongType.has(field)
      ? []
      : [{ field, message: issue.message }];
  });
};

/** "Invalid field(s) a, b: …", naming a bounded, printable few for a quick read. */
const summary = (errors: readonly FieldError[], listed: number): string => {
  const names = [...new Set(errors.map((error) => error.field))];
  const shown = names.slice(0, MAX_NAMED_FIELDS).map(printable);
  const more =
    names.length > MAX_NAMED_FIELDS ? ` and ${names.length - MAX_NAMED_FIELDS} more` : "";
  const noun = names.length === 1 ? "field" : "fields";
  const cut =
    errors.length > listed
      ? `; errors lists the first ${listed} of ${errors.length} problems.`
      : "; see errors for each.";
  return `Invalid ${noun} ${shown.join(", ")}${more}${cut}`;
};

/** One 400 for every problem found, with at most {@link MAX_FIELD_ERRORS} listed. */
export const fieldProblem = (errors: readonly FieldError[]) => {
  const listed = errors.slice(0, MAX_FIELD_ERRORS).map((error) => ({
    field: printable(error.field),
    message: error.message,
  }));
  return invalidRequest(summary(errors, listed.length), listed);
};

/** A parser for one route's request: every problem with the path, query and body reported together. */
export const requestParser = <T>(schema: z.ZodMiniType<T>) => {
  const known = knownNames(schema);
  return (raw: RawRequest, extra: readonly FieldError[] = []): T => {
    const result = schema.safeParse(raw);
    if (!result.success || extra.length > 0) {
      throw fieldProblem([
        ...extra,
        ...(result.success ? [] : fieldErrors(result.error.issues, known)),
      ]);
    }
    return result.data;
  };
};
