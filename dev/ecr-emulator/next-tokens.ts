import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { EcrError } from "./validation.js";

const invalidNextToken = (): EcrError =>
  new EcrError(
    "InvalidParameterException",
    "Invalid parameter at 'nextToken' failed to satisfy constraint: 'The nextToken is not valid.'",
  );

/**
 * Pagination tokens of DescribePullThroughCacheRules. A token names its registry and the
 * creation sequence number of the last rule returned, so deleting or adding rules between pages
 * neither repeats nor skips the rules that remain. It is signed with a key of this emulator
 * instance: a client cannot forge or edit one, nor use one across registries or emulators, just
 * as ECR's own tokens are opaque.
 */
export class NextTokens {
  readonly #key = randomBytes(32);

  #sign(payload: string): Buffer {
    return createHmac("sha256", this.#key).update(payload).digest();
  }

  /** A token that resumes after the rule with sequence number `afterSeq` of `registryId`. */
  issue(registryId: string, afterSeq: number): string {
    const payload = Buffer.from(JSON.stringify({ registryId, afterSeq }), "utf8").toString(
      "base64url",
    );
    return `${payload}.${this.#sign(payload).toString("base64url")}`;
  }

  /** The sequence number to resume after; throws ECR's InvalidParameterException otherwise. */
  read(token: string, registryId: string): number {
    const [payload, signature, ...rest] = token.split(".");
    if (payload === undefined || signature === undefined || rest.length > 0) {
      throw invalidNextToken();
    }
    const expected = this.#sign(payload);
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalidNextToken();
    }
    const decoded: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (typeof decoded !== "object" || decoded === null) throw invalidNextToken();
    const { registryId: tokenRegistry, afterSeq } = decoded as Record<string, unknown>;
    if (
      tokenRegistry !== registryId ||
      typeof afterSeq !== "number" ||
      !Number.isSafeInteger(afterSeq)
    ) {
      throw invalidNextToken();
    }
    return afterSeq;
  }
}
