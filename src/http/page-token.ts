import { type FieldError, invalidRequest } from "../domain/errors.js";

/**
 * `nextToken` as callers see it: ECR's own token, bound to the registry it pages through, so
 * that a token is only ever sent back to ECR for the registry that gave it. It is opaque to
 * callers and not signed: ECR itself refuses a token it did not give.
 */
interface TokenContents {
  readonly r: string;
  readonly t: string;
}

const MAX_TOKEN_LENGTH = 4_096;

const REFUSED: FieldError = {
  field: "nextToken",
  message: "is not a token this service gave for this registry; start again without one",
};

/** The 400 for a token that is not one of ours for this registry, or that ECR refused. */
export const invalidToken = () =>
  invalidRequest("Invalid field nextToken; see errors for each.", [REFUSED]);

export const encodePageToken = (registryId: string, ecrToken: string): string =>
  Buffer.from(JSON.stringify({ r: registryId, t: ecrToken } satisfies TokenContents)).toString(
    "base64url",
  );

/** ECR's token inside `token`, if `token` is one this service gave for `registryId`. */
export const decodePageToken = (token: string, registryId: string): string => {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) {
    throw invalidToken();
  }
  let contents: unknown;
  try {
    contents = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidToken();
  }
  if (
    typeof contents !== "object" ||
    contents === null ||
    Reflect.get(contents, "r") !== registryId ||
    typeof Reflect.get(contents, "t") !== "string" ||
    Reflect.get(contents, "t") === ""
  ) {
    throw invalidToken();
  }
  return Reflect.get(contents, "t") as string;
};
