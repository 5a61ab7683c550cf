import {
  CreatePullThroughCacheRuleCommand,
  type CreatePullThroughCacheRuleCommandInput,
  ECRClient,
} from "@aws-sdk/client-ecr";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { UpstreamEntry, UpstreamPolicy } from "../../src/domain/upstream-policy.js";
import { apiGatewayEvent, createRuleEvent, lambdaContext } from "../fixtures/api-gateway-event.js";
import { type Handler, handlerFor, loadServicePolicy } from "../fixtures/handler.js";

const REGION = "eu-west-1";
const MAX_BODY_BYTES = 16 * 1024;
/** The one registry that may use the registry-scoped upstream added to the test policy. */
const SCOPED_REGISTRY = "123456789012";
const OTHER_REGISTRY = "210987654321";

/**
 * The test policy plus one more entry limited to {@link SCOPED_REGISTRY}, so that "allowed for
 * that registry" is put to the test as well as "on the allowlist".
 */
const base = await loadServicePolicy();
const TEST_POLICY: UpstreamPolicy = {
  version: 1,
  upstreams: [
    ...base.upstreams,
    {
      url: "registry.gitlab.com",
      aliases: ["gitlab.com"],
      registryIds: [SCOPED_REGISTRY],
      upstreamRegistry: "gitlab-container-registry",
      credentialArn:
        "arn:aws:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/gitlab",
    },
  ],
};
const CANONICAL_URLS = TEST_POLICY.upstreams.map((entry) => entry.url);
const ALLOWLISTED_SPELLINGS = TEST_POLICY.upstreams.flatMap((entry) => [
  entry.url,
  ...entry.aliases,
]);

const ecr = mockClient(ECRClient);
let handler: Handler;

beforeAll(async () => {
  handler = await handlerFor({ policy: TEST_POLICY });
});

beforeEach(() => {
  ecr.reset();
  ecr
    .on(CreatePullThroughCacheRuleCommand)
    .callsFake((input: CreatePullThroughCacheRuleCommandInput) => ({
      ...input,
      createdAt: new Date(),
    }));
});

const createCalls = (): CreatePullThroughCacheRuleCommandInput[] =>
  ecr.commandCalls(CreatePullThroughCacheRuleCommand).map((call) => call.args[0].input);

/** Calls the handler and reports what ECR received during that one request. */
const invoke = async (event: APIGatewayProxyEvent, context: Context = lambdaContext()) => {
  const before = createCalls().length;
  const response = await handler(event, context);
  return { response, ecrCalls: createCalls().slice(before) };
};

/**
 * The contract's §2 in its plainest form, independent of the code under test: the printable-ASCII
 * spellings of an entry's url or alias, with or without `https://` and one trailing `/`, in any
 * case, for a registry the entry does not exclude.
 */
const admittedEntry = (raw: string, registryId: string): UpstreamEntry | undefined => {
  if (!/^[\x20-\x7e]*$/.test(raw)) return undefined;
  const folded = raw.toLowerCase();
  const entry = TEST_POLICY.upstreams.find((candidate) =>
    [candidate.url, ...candidate.aliases].some((host) =>
      [host, `${host}/`, `https://${host}`, `https://${host}/`].includes(folded),
    ),
  );
  if (entry?.registryIds !== undefined && !entry.registryIds.includes(registryId)) return undefined;
  return entry;
};

const filledCredentialArn = (template: string, registryId: string): string =>
  template.split("{registryId}").join(registryId).split("{region}").join(REGION);

/** What ECR must be asked for an admitted request: the entry's canonical values only. */
const expectedEcrInput = (
  entry: UpstreamEntry,
  registryId: string,
  ecrRepositoryPrefix: string,
): Readonly<Record<string, string>> => ({
  registryId,
  ecrRepositoryPrefix,
  upstreamRegistryUrl: entry.url,
  ...(entry.upstreamRegistry === undefined ? {} : { upstreamRegistry: entry.upstreamRegistry }),
  ...(entry.credentialArn === undefined
    ? {}
    : { credentialArn: filledCredentialArn(entry.credentialArn, registryId) }),
});

/** Whatever the request, a call that reached ECR names a canonical url this registry may use. */
const expectCanonicalAllowlistedCall = (
  input: CreatePullThroughCacheRuleCommandInput,
  pathRegistryId: string | undefined,
): void => {
  expect(input.registryId).toBe(pathRegistryId);
  expect(CANONICAL_URLS).toContain(input.upstreamRegistryUrl);
  const entry = TEST_POLICY.upstreams.find(
    (candidate) => candidate.url === input.upstreamRegistryUrl,
  );
  expect(
    entry?.registryIds === undefined || entry.registryIds.includes(input.registryId ?? ""),
  ).toBe(true);
  const template = entry?.credentialArn;
  if (input.credentialArn !== undefined || template !== undefined) {
    expect(input.credentialArn).toBe(filledCredentialArn(template ?? "", input.registryId ?? ""));
    expect(input.credentialArn).toMatch(
      new RegExp(
        `^arn:aws:secretsmanager:${REGION}:${input.registryId}:secret:ecr-pullthroughcache/`,
      ),
    );
  }
};

const headerOf = (response: APIGatewayProxyResult, name: string): unknown =>
  Object.entries(response.headers ?? {}).find(
    ([key]) => key.toLowerCase() === name.toLowerCase(),
  )?.[1];

const parseJson = (text: string): unknown => JSON.parse(text);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const VALID_PREFIXES = [
  "ecr-public",
  "quay",
  "k8s",
  "docker-hub",
  "ghcr",
  "a1",
  "team.base_images-v2",
];

const validPrefix = fc.oneof(
  fc.constantFrom(...VALID_PREFIXES),
  fc.stringMatching(/^[a-z0-9]{2,8}(?:[._-][a-z0-9]{1,5}){0,2}$/),
);

const twelveDigits = fc.stringMatching(/^[0-9]{12}$/);

/** Up to 20 KiB of one short unicode string repeated: cheap to make, expensive to mishandle. */
const hugeString = fc
  .tuple(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }),
    fc.integer({ min: 1, max: 20 * 1024 }),
  )
  .map(([unit, times]) => unit.repeat(times).slice(0, 20 * 1024));

const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    ...VALID_PREFIXES,
    ...ALLOWLISTED_SPELLINGS,
    "https://quay.io/",
    SCOPED_REGISTRY,
    OTHER_REGISTRY,
  ),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  hugeString,
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, 0, -1, 1e308, 123456789012),
  fc.double(),
  fc.array(fc.string(), { maxLength: 3 }),
);

const suspiciousKey = fc.oneof(
  fc.constantFrom(
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    "",
    "ecrRepositoryPrefix ",
    "EcrRepositoryPrefix",
    "upstreamregistryurl",
    "credentialArn",
    "upstreamRegistry",
  ),
  fc.string({ maxLength: 12 }),
);

/** Objects with the contract's keys (some, all or none) holding anything, plus stray keys. */
const bodyObject = fc
  .tuple(
    fc.record(
      { ecrRepositoryPrefix: fieldValue, upstreamRegistryUrl: fieldValue, registryId: fieldValue },
      { requiredKeys: [] },
    ),
    fc.option(fc.dictionary(suspiciousKey, fieldValue, { maxKeys: 2 }), { nil: undefined }),
  )
  .map(([known, extra]) => ({ ...extra, ...known }));

/** Bodies that mostly pass validation, so that the success path is exercised too. */
const plausibleBody = fc
  .record(
    {
      ecrRepositoryPrefix: validPrefix,
      upstreamRegistryUrl: fc.constantFrom(
        ...ALLOWLISTED_SPELLINGS,
        "HTTPS://QUAY.IO/",
        "evil.example",
      ),
      registryId: fc.constantFrom(SCOPED_REGISTRY, OTHER_REGISTRY),
    },
    { requiredKeys: ["ecrRepositoryPrefix", "upstreamRegistryUrl"] },
  )
  .map((body) => JSON.stringify(body));

const bodyText = fc.oneof(
  { arbitrary: plausibleBody, weight: 6 },
  { arbitrary: bodyObject.map((body) => JSON.stringify(body)), weight: 4 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 64 }), weight: 1 },
  { arbitrary: fc.json({ maxDepth: 4 }), weight: 1 },
  {
    arbitrary: fc.anything({ maxDepth: 3 }).map((value) => String(JSON.stringify(value))),
    weight: 1,
  },
  { arbitrary: hugeString.map((text) => JSON.stringify({ ecrRepositoryPrefix: text })), weight: 1 },
);

interface BodyPart {
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

const bodyPart: fc.Arbitrary<BodyPart> = fc.oneof(
  { arbitrary: bodyText.map((body) => ({ body, isBase64Encoded: false })), weight: 6 },
  {
    arbitrary: bodyText.map((body) => ({
      body: Buffer.from(body, "utf8").toString("base64"),
      isBase64Encoded: true,
    })),
    weight: 2,
  },
  {
    // Bytes that are not UTF-8 at all, such as Latin-1 text or random binary.
    arbitrary: fc
      .oneof(
        fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
        plausibleBody.map((body) => Buffer.from(body, "latin1")),
      )
      .map((bytes) => ({ body: bytes.toString("base64"), isBase64Encoded: true })),
    weight: 1,
  },
  // Text that claims to be base64 but is not, and base64 that does not say so.
  { arbitrary: bodyText.map((body) => ({ body, isBase64Encoded: true })), weight: 1 },
  {
    arbitrary: plausibleBody.map((body) => ({
      body: Buffer.from(body).toString("base64"),
      isBase64Encoded: false,
    })),
    weight: 1,
  },
  { arbitrary: fc.constant({ body: null, isBase64Encoded: false }), weight: 1 },
);

const jsonMediaType = fc.mixedCase(fc.constant("application/json"));

const mediaTypeParameter = fc.oneof(
  fc
    .tuple(
      fc.mixedCase(fc.constant("charset")),
      fc.constantFrom(
        "utf-8",
        "UTF-8",
        '"utf-8"',
        "utf8",
        "latin1",
        "iso-8859-1",
        "utf-16",
        "",
        '""',
      ),
    )
    .map(([name, value]) => `${name}=${value}`),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))
    .map(([name, value]) => `${name}=${value}`),
  fc.string({ unit: "grapheme", maxLength: 10 }),
);

const contentType = fc.oneof(
  { arbitrary: jsonMediaType, weight: 10 },
  {
    arbitrary: fc
      .tuple(
        jsonMediaType,
        fc.array(mediaTypeParameter, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(";", "; ", " ; "),
      )
      .map(([type, parameters, separator]) => [type, ...parameters].join(separator)),
    weight: 3,
  },
  {
    arbitrary: fc.constantFrom(
      "text/plain",
      "application/vnd.api+json",
      "application/problem+json",
      "application/merge-patch+json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonp",
      "application/json5",
      "application/json/x",
      " application/json ",
      "application/*",
      "*/*",
      "",
      ";",
    ),
    weight: 2,
  },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }), weight: 1 },
);

type HeaderPart =
  | { readonly kind: "missing" }
  | { readonly kind: "single"; readonly name: string; readonly value: string }
  | { readonly kind: "only-in-headers"; readonly name: string; readonly value: string }
  | { readonly kind: "repeated"; readonly name: string; readonly values: string[] };

const contentTypeName = fc.mixedCase(fc.constant("content-type"));

const headerPart: fc.Arbitrary<HeaderPart> = fc.oneof(
  { arbitrary: fc.constant({ kind: "missing" as const }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant("single" as const),
      name: contentTypeName,
      value: contentType,
    }),
    weight: 12,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("only-in-headers" as const),
      name: contentTypeName,
      value: contentType,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("repeated" as const),
      name: contentTypeName,
      values: fc.array(contentType, { minLength: 0, maxLength: 3 }),
    }),
    weight: 2,
  },
);

const registryIdParameter = fc.oneof(
  { arbitrary: fc.constantFrom(SCOPED_REGISTRY, OTHER_REGISTRY), weight: 8 },
  { arbitrary: twelveDigits, weight: 2 },
  { arbitrary: fc.stringMatching(/^[0-9]{11}$/), weight: 1 },
  { arbitrary: fc.stringMatching(/^[0-9]{13}$/), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      "",
      "12345678901a",
      " 123456789012",
      "123456789012 ",
      "123456789012\n",
      "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12",
      "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662",
      "-12345678901",
      "1.2345678901",
      "1e11",
      "0x1234567890",
      "__proto__",
    ),
    weight: 1,
  },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }), weight: 1 },
);

const pathParameters: fc.Arbitrary<Record<string, string> | null> = fc.oneof(
  { arbitrary: registryIdParameter.map((registryId) => ({ registryId })), weight: 8 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.constant({}), weight: 1 },
  {
    arbitrary: fc.dictionary(suspiciousKey, fc.string({ maxLength: 14 }), { maxKeys: 3 }),
    weight: 1,
  },
);

const requestIdPart = fc.option(
  fc.oneof(fc.uuid(), fc.string({ maxLength: 20 }), fc.constant("a".repeat(129))),
  { nil: undefined },
);

interface RawRequest {
  readonly body: BodyPart;
  readonly header: HeaderPart;
  readonly pathParameters: Record<string, string> | null;
  readonly requestId: string | undefined;
}

/** A REST event from the fixture, with the content type shaped the way the case asks. */
const eventFor = ({
  body,
  header,
  pathParameters: parameters,
  requestId,
}: RawRequest): APIGatewayProxyEvent => {
  const event = apiGatewayEvent({
    body: body.body,
    isBase64Encoded: body.isBase64Encoded,
    pathParameters: parameters,
    headers:
      header.kind === "single" || header.kind === "only-in-headers"
        ? { [header.name]: header.value }
        : {},
    ...(requestId === undefined ? {} : { requestId }),
  });
  switch (header.kind) {
    case "repeated": {
      const last = header.values.at(-1);
      return {
        ...event,
        headers: last === undefined ? {} : { [header.name]: last },
        multiValueHeaders: { [header.name]: header.values },
      };
    }
    case "only-in-headers":
      return { ...event, multiValueHeaders: {} };
    default:
      return event;
  }
};

const rawRequest: fc.Arbitrary<RawRequest> = fc.record({
  body: bodyPart,
  header: headerPart,
  pathParameters,
  requestId: requestIdPart,
});

/** Spellings of allowlisted hosts in any case, with or without `https://` and trailing slashes. */
const allowlistedSpelling = fc
  .tuple(
    fc.oneof(fc.constant(""), fc.mixedCase(fc.constant("https://"))),
    fc.mixedCase(fc.constantFrom(...ALLOWLISTED_SPELLINGS)),
    fc.constantFrom("", "", "/", "//"),
  )
  .map(([scheme, host, slash]) => `${scheme}${host}${slash}`);

const HOSTILE_PIECES = [
  "@",
  ":",
  "/",
  "%",
  " ",
  "\t",
  "\r\n",
  "\u0000",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\u200b",
  "\ufeff",
  "\u212a",
  "\u0430",
  "\u03bf",
  "\uff0e",
  "\u3002",
  ".",
  "..",
  "-",
  "_",
  "\\",
  "?",
  "#",
  ":443",
  "%2e",
  "user@",
  "https://",
  "http://",
  "//",
  "*.",
  ".evil.com",
  "evil.",
];

const HOMOGLYPHS: Readonly<Record<string, string>> = {
  k: "\u212a",
  a: "\u0430",
  o: "\u03bf",
  c: "\u0441",
  e: "\u0435",
  ".": "\u3002",
  i: "\u0456",
  s: "\u017f",
};

const hostilePiece = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_PIECES), weight: 3 },
  { arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 2 }), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 2 }), weight: 1 },
);

/** An allowlisted spelling with something inserted, replaced, removed or swapped for a homoglyph. */
const mutatedSpelling = fc
  .tuple(
    allowlistedSpelling,
    fc.nat(),
    hostilePiece,
    fc.constantFrom("insert", "replace", "delete", "homoglyph"),
  )
  .map(([spelling, position, piece, operation]) => {
    const at = position % (spelling.length + 1);
    switch (operation) {
      case "insert":
        return spelling.slice(0, at) + piece + spelling.slice(at);
      case "replace":
        return spelling.slice(0, at) + piece + spelling.slice(at + 1);
      case "delete":
        return spelling.slice(0, at) + spelling.slice(at + 1);
      default: {
        const index = [...spelling].findIndex(
          (char, i) => i >= at && HOMOGLYPHS[char] !== undefined,
        );
        const chars = [...spelling];
        const original = chars[index];
        if (original !== undefined) chars[index] = HOMOGLYPHS[original] ?? original;
        return chars.join("");
      }
    }
  });

const randomHost = fc.oneof(
  fc.domain(),
  fc.webUrl(),
  fc.ipV4(),
  fc.ipV6().map((ip) => `[${ip}]`),
  fc.emailAddress(),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc
    .tuple(fc.constantFrom(...ALLOWLISTED_SPELLINGS), fc.domain())
    .chain(([host, other]) =>
      fc.constantFrom(
        `${host}.${other}`,
        `${other}.${host}`,
        `${host}-${other}`,
        `${other}${host}`,
      ),
    ),
);

const upstreamSpelling = fc.oneof(
  { arbitrary: allowlistedSpelling, weight: 3 },
  { arbitrary: mutatedSpelling, weight: 4 },
  { arbitrary: randomHost, weight: 2 },
);

type NestingKind =
  | "arrays"
  | "objects"
  | "mixed"
  | "in-prefix"
  | "in-upstream"
  | "in-unknown-field";

/** A body `depth` levels deep, at the top or inside one field of an otherwise valid request. */
const nestedBody = (kind: NestingKind, depth: number): string => {
  const arrays = `${"[".repeat(depth)}${"]".repeat(depth)}`;
  const objects = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  const request = (field: string, value: string): string =>
    `{"ecrRepositoryPrefix":"ecr-public","upstreamRegistryUrl":"public.ecr.aws","${field}":${value}}`;
  switch (kind) {
    case "arrays":
      return arrays;
    case "objects":
      return objects;
    case "mixed":
      return `${'[{"a":'.repeat(depth)}1${"}]".repeat(depth)}`;
    case "in-prefix":
      return request("ecrRepositoryPrefix", arrays);
    case "in-upstream":
      return request("upstreamRegistryUrl", objects);
    case "in-unknown-field":
      return request("extra", objects);
  }
};

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe("POST /registries/{registryId}/cache-rules under arbitrary input", () => {
  it("never answers 5xx, and every answer is JSON with an x-request-id; errors are problem+json matching the status", async () => {
    await fc.assert(
      fc.asyncProperty(rawRequest, async (request) => {
        const event = eventFor(request);
        const context = lambdaContext();
        const { response, ecrCalls } = await invoke(event, context);

        expect(response.statusCode).toBeGreaterThanOrEqual(200);
        expect(response.statusCode).toBeLessThan(500);
        const requestId = headerOf(response, "x-request-id");
        expect([event.requestContext.requestId, context.awsRequestId]).toContain(requestId);
        const body = parseJson(response.body);
        expect(isRecord(body)).toBe(true);
        if (!isRecord(body)) return;
        if (response.statusCode >= 400) {
          expect(headerOf(response, "content-type")).toBe("application/problem+json");
          expect(body).toMatchObject({
            type: expect.any(String),
            title: expect.any(String),
            detail: expect.any(String),
            status: response.statusCode,
            code: expect.stringMatching(/^[A-Za-z]+$/),
            requestId,
          });
          // The mock always succeeds, so an error answer means ECR was never asked.
          expect(ecrCalls).toHaveLength(0);
        } else {
          expect(headerOf(response, "content-type")).toBe("application/json");
          expect(response.statusCode).toBe(201);
          expect(ecrCalls).toHaveLength(1);
          const [call] = ecrCalls;
          if (call !== undefined)
            expectCanonicalAllowlistedCall(call, request.pathParameters?.["registryId"]);
          expect(body).toMatchObject({
            registryId: request.pathParameters?.["registryId"],
            upstreamRegistryUrl: call?.upstreamRegistryUrl,
          });
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("asks ECR only for a canonical allowlisted upstream this registry may use, and never when the spelling is not admitted", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(SCOPED_REGISTRY, OTHER_REGISTRY), twelveDigits),
        validPrefix,
        upstreamSpelling,
        fc.boolean(),
        async (registryId, ecrRepositoryPrefix, upstreamRegistryUrl, repeatRegistryId) => {
          const entry = admittedEntry(upstreamRegistryUrl, registryId);
          const event = createRuleEvent(
            {
              ecrRepositoryPrefix,
              upstreamRegistryUrl,
              ...(repeatRegistryId ? { registryId } : {}),
            },
            { path: `/registries/${registryId}/cache-rules`, pathParameters: { registryId } },
          );

          const { response, ecrCalls } = await invoke(event);

          for (const call of ecrCalls) expectCanonicalAllowlistedCall(call, registryId);
          if (entry === undefined) {
            expect(ecrCalls).toHaveLength(0);
            expect([400, 403]).toContain(response.statusCode);
          } else {
            expect(ecrCalls).toEqual([expectedEcrInput(entry, registryId, ecrRepositoryPrefix)]);
            expect(response.statusCode).toBe(201);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("answers deeply nested bodies with 400, or 413 past 16 KiB, without throwing or calling ECR", async () => {
    const kind = fc.constantFrom<NestingKind>(
      "arrays",
      "objects",
      "mixed",
      "in-prefix",
      "in-upstream",
      "in-unknown-field",
    );
    await fc.assert(
      fc.asyncProperty(
        kind,
        fc.integer({ min: 1, max: 8000 }),
        fc.boolean(),
        async (nesting, depth, base64) => {
          const text = nestedBody(nesting, depth);
          const bytes = Buffer.byteLength(text, "utf8");
          const event = createRuleEvent(text, {
            body: base64 ? Buffer.from(text).toString("base64") : text,
            isBase64Encoded: base64,
          });

          const { response, ecrCalls } = await invoke(event);

          expect(response.statusCode).toBe(bytes > MAX_BODY_BYTES ? 413 : 400);
          expect(parseJson(response.body)).toMatchObject({ status: response.statusCode });
          expect(ecrCalls).toHaveLength(0);
        },
      ),
      {
        numRuns: 500,
        examples: [
          // 16 000 bytes of brackets, 8000 levels deep: within the size limit.
          ["arrays", 8000, false],
          ["arrays", 8000, true],
          ["in-prefix", 8000, false],
          // The deepest {"a":…} that still fits in 16 KiB, and one that does not.
          ["objects", 2730, false],
          ["objects", 8000, false],
          ["in-upstream", 2700, false],
        ],
      },
    );
  });
});
