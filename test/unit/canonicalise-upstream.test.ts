import { beforeAll, describe, expect, it } from "vitest";
import {
  canonicaliseUpstream,
  judgeUpstream,
  specFor,
  type UpstreamPolicy,
} from "../../src/domain/upstream-policy.js";
import { loadServicePolicy } from "../fixtures/handler.js";

interface Refusal {
  readonly attack: string;
  readonly raw: string;
}

/** Rows titled by one field in full: vitest cuts `$field` titles at 40 characters. */
const byName = <K extends string, T extends Readonly<Record<K, string>>>(
  key: K,
  rows: readonly T[],
): [string, T][] => rows.map((row) => [row[key], row]);

const label = (char: string, length: number): string => char.repeat(length);

/** 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters: the longest host name the contract admits. */
const LONGEST_HOST = `${label("a", 63)}.${label("b", 63)}.${label("c", 63)}.${label("d", 61)}`;

const CONTROL_AND_WHITESPACE: readonly (readonly [name: string, char: string])[] = [
  ["space", " "],
  ["tab", "\t"],
  ["carriage return", "\r"],
  ["line feed", "\n"],
  ["NUL", "\u0000"],
  ["DEL", "\u007f"],
  ["next line U+0085", "\u0085"],
  ["no-break space U+00A0", "\u00a0"],
  ["line separator U+2028", "\u2028"],
  ["zero-width space U+200B", "\u200b"],
  ["byte order mark U+FEFF", "\ufeff"],
];

/** Every white-space or control character, at every place a parser might be lenient about it. */
const WHITESPACE_ROWS: readonly Refusal[] = CONTROL_AND_WHITESPACE.flatMap(([name, c]) => [
  { attack: `${name} before the host`, raw: `${c}quay.io` },
  { attack: `${name} after the scheme`, raw: `https://${c}quay.io` },
  { attack: `${name} inside a label`, raw: `qu${c}ay.io` },
  { attack: `${name} next to a dot`, raw: `quay${c}.io` },
  { attack: `${name} after the host`, raw: `quay.io${c}` },
  { attack: `${name} after the trailing slash`, raw: `quay.io/${c}` },
]);

const HOSTILE_ROWS: readonly Refusal[] = [
  // user info
  { attack: "user info before an allowlisted host", raw: "user@quay.io" },
  { attack: "allowlisted host as user info of another host", raw: "quay.io@evil.com" },
  { attack: "allowlisted host and password as user info", raw: "https://quay.io:pw@evil.com" },
  { attack: "user and password before an allowlisted host", raw: "https://user:pass@quay.io" },
  { attack: "empty user info", raw: "https://@quay.io" },
  // ports
  { attack: "explicit port", raw: "quay.io:443" },
  { attack: "empty port", raw: "quay.io:" },
  { attack: "port with scheme and trailing slash", raw: "https://quay.io:443/" },
  { attack: "non-numeric port", raw: "quay.io:https" },
  // path, query, fragment, parameters
  { attack: "path", raw: "quay.io/x" },
  { attack: "registry API path", raw: "https://quay.io/v2/" },
  { attack: "two trailing slashes", raw: "quay.io//" },
  { attack: "two trailing slashes after the scheme", raw: "HTTPS://QUAY.IO//" },
  { attack: "many trailing slashes", raw: "quay.io/////" },
  { attack: "dot segment", raw: "quay.io/." },
  { attack: "parent segment", raw: "quay.io/../evil.com" },
  { attack: "query", raw: "quay.io?x" },
  { attack: "query after the slash", raw: "quay.io/?x=1" },
  { attack: "fragment", raw: "quay.io#x" },
  { attack: "empty fragment", raw: "quay.io#" },
  { attack: "matrix parameter", raw: "quay.io;x=1" },
  // dots
  { attack: "trailing dot (fully qualified name)", raw: "quay.io." },
  { attack: "trailing dot before the slash", raw: "https://quay.io./" },
  { attack: "leading dot", raw: ".quay.io" },
  { attack: "double dot", raw: "quay..io" },
  { attack: "only a dot", raw: "." },
  { attack: "only dots", raw: "..." },
  // percent-encoding
  { attack: "percent-encoded dot", raw: "quay%2eio" },
  { attack: "percent-encoded letter", raw: "%71uay.io" },
  { attack: "percent-encoded slash", raw: "quay.io%2f" },
  { attack: "percent-encoded scheme", raw: "https%3a%2f%2fquay.io" },
  { attack: "percent-encoded NUL", raw: "quay.io%00" },
  // backslashes
  { attack: "backslashes instead of slashes after the scheme", raw: "https:\\\\quay.io" },
  { attack: "trailing backslash", raw: "quay.io\\" },
  { attack: "backslash path", raw: "https://quay.io\\evil" },
  { attack: "UNC-style prefix", raw: "\\\\quay.io" },
  // schemes
  { attack: "double https scheme", raw: "https://https://quay.io" },
  { attack: "https then http scheme", raw: "https://http://quay.io" },
  { attack: "http scheme", raw: "http://quay.io" },
  { attack: "upper-case http scheme", raw: "HTTP://quay.io" },
  { attack: "oci scheme", raw: "oci://quay.io" },
  { attack: "docker scheme", raw: "docker://quay.io" },
  { attack: "ftp scheme", raw: "ftp://quay.io" },
  { attack: "file scheme", raw: "file:///etc/passwd" },
  { attack: "websocket scheme", raw: "wss://quay.io" },
  { attack: "scheme-relative URL", raw: "//quay.io" },
  { attack: "scheme with one slash", raw: "https:/quay.io" },
  { attack: "scheme without slashes", raw: "https:quay.io" },
  { attack: "scheme with three slashes", raw: "https:///quay.io" },
  { attack: "scheme without colon", raw: "https//quay.io" },
  { attack: "misspelt scheme", raw: "httpss://quay.io" },
  { attack: "javascript URL", raw: "javascript:alert(1)" },
  { attack: "data URL", raw: "data:text/plain,quay.io" },
  // IDN, homoglyphs, full-width forms, case-folding tricks
  { attack: "Cyrillic a in quay.io", raw: "qu\u0430y.io" },
  { attack: "Greek omicron in docker.io", raw: "d\u03bfcker.io" },
  { attack: "Cyrillic es in ghcr.io", raw: "gh\u0441r.io" },
  { attack: "full-width letters", raw: "\uff51\uff55\uff41\uff59.\uff49\uff4f" },
  { attack: "ideographic full stop as the dot", raw: "quay\u3002io" },
  { attack: "full-width full stop as the dot", raw: "quay\uff0eio" },
  { attack: "Kelvin sign that lower-cases to k (k8s.io)", raw: "\u212a8s.io" },
  { attack: "Kelvin sign that lower-cases to k (registry.k8s.io)", raw: "registry.\u212a8s.io" },
  { attack: "Kelvin sign after the scheme", raw: "https://registry.\u212a8s.io/" },
  { attack: "long s that upper-cases to S", raw: "public.ecr.aw\u017f" },
  { attack: "dotted capital I that lower-cases to two code points", raw: "QUAY.\u0130O" },
  { attack: "dotless i", raw: "quay.\u0131o" },
  { attack: "combining diaeresis", raw: "quay\u0308.io" },
  { attack: "right-to-left override", raw: "\u202equay.io" },
  { attack: "emoji", raw: "quay.io\u{1f600}" },
  { attack: "lone surrogate", raw: "quay.io\ud800" },
  // label rules
  { attack: "label of 64 characters", raw: `${label("a", 64)}.io` },
  { attack: "host of 254 characters", raw: `${LONGEST_HOST}e` },
  { attack: "host of 253 characters with a trailing dot", raw: `${LONGEST_HOST}.` },
  { attack: "label starting with a hyphen", raw: "-quay.io" },
  { attack: "label ending with a hyphen", raw: "quay-.io" },
  { attack: "top-level label starting with a hyphen", raw: "quay.-io" },
  { attack: "host ending with a hyphen", raw: "quay.io-" },
  { attack: "label starting with an underscore", raw: "_quay.io" },
  { attack: "underscore instead of a dot", raw: "quay_io" },
  { attack: "comma instead of a dot", raw: "quay,io" },
  { attack: "apostrophe", raw: "quay.io'" },
  { attack: "double quote", raw: '"quay.io"' },
  { attack: "angle brackets", raw: "<quay.io>" },
  // wildcards
  { attack: "wildcard subdomain", raw: "*.quay.io" },
  { attack: "bare wildcard", raw: "*" },
  { attack: "wildcard top-level domain", raw: "quay.*" },
  { attack: "question-mark wildcard", raw: "?.quay.io" },
  // empty and near-empty
  { attack: "empty string", raw: "" },
  { attack: "only the scheme", raw: "https://" },
  { attack: "only the upper-case scheme", raw: "HTTPS://" },
  { attack: "only the scheme and a slash", raw: "https:///" },
  { attack: "only a slash", raw: "/" },
  { attack: "only two slashes", raw: "//" },
  // IP literals (dotted digits are host names; see the policy table below)
  { attack: "bracketed IPv6 loopback", raw: "[::1]" },
  { attack: "bracketed IPv6 documentation address", raw: "https://[2001:db8::1]/" },
  { attack: "bracketed IPv4-mapped IPv6", raw: "[::ffff:127.0.0.1]" },
  { attack: "bare IPv6 loopback", raw: "::1" },
  { attack: "IPv4 with a port", raw: "127.0.0.1:80" },
  // very long values
  { attack: "10 000-character label", raw: label("a", 10_000) },
  { attack: "100 000-character label", raw: label("a", 100_000) },
  { attack: "100 000 characters of short labels", raw: "a.".repeat(50_000) },
  { attack: "10 000 trailing slashes", raw: `quay.io${"/".repeat(10_000)}` },
  { attack: "100 000 hyphens after the scheme", raw: `https://${"-".repeat(100_000)}` },
  { attack: "100 000 non-ASCII characters", raw: "\u00e9".repeat(100_000) },
  ...WHITESPACE_ROWS,
];

let servicePolicy: UpstreamPolicy;

beforeAll(async () => {
  servicePolicy = await loadServicePolicy();
});

describe("canonicaliseUpstream", () => {
  it.each(byName("attack", HOSTILE_ROWS))("refuses %s with a reason", (_attack, { raw }) => {
    const result = canonicaliseUpstream(raw);

    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/\S/) });
  });

  it.each(
    byName("attack", [
      { attack: "a 1 000 000-character label", raw: label("a", 1_000_000) },
      { attack: "1 000 000 characters of short labels", raw: "a.".repeat(500_000) },
      { attack: "1 000 000 alternating letters and hyphens", raw: "a-".repeat(500_000) },
      { attack: "1 000 000 Kelvin signs", raw: "\u212a".repeat(1_000_000) },
    ]),
  )("refuses %s within 100 ms", (_attack, { raw }) => {
    const started = performance.now();
    const result = canonicaliseUpstream(raw);
    const elapsed = performance.now() - started;

    expect(result.ok).toBe(false);
    expect(elapsed).toBeLessThan(100);
  });

  it.each(
    byName("spelling", [
      { spelling: "a plain host", raw: "quay.io", host: "quay.io" },
      { spelling: "an upper-case host", raw: "QUAY.IO", host: "quay.io" },
      { spelling: "an https URL", raw: "https://quay.io", host: "quay.io" },
      {
        spelling: "an https URL in mixed case with a trailing slash",
        raw: "HTTPS://Quay.Io/",
        host: "quay.io",
      },
      { spelling: "a host with a trailing slash", raw: "quay.io/", host: "quay.io" },
      {
        spelling: "a host with digits and a hyphen",
        raw: "Registry-1.Docker.IO",
        host: "registry-1.docker.io",
      },
      {
        spelling: "an alias (the policy, not this step, maps it to its entry)",
        raw: "hTTps://Docker.IO/",
        host: "docker.io",
      },
      { spelling: "a punycode label", raw: "XN--QUY-7CD.IO", host: "xn--quy-7cd.io" },
      { spelling: "a single label", raw: "localhost", host: "localhost" },
      { spelling: "single-character labels", raw: "a.b.c", host: "a.b.c" },
      {
        spelling: "labels of 63 characters",
        raw: `${label("A", 63)}.${label("z", 63)}`,
        host: `${label("a", 63)}.${label("z", 63)}`,
      },
      { spelling: "a host of 253 characters", raw: LONGEST_HOST.toUpperCase(), host: LONGEST_HOST },
      {
        spelling: "a host of 253 characters as an https URL",
        raw: `https://${LONGEST_HOST}/`,
        host: LONGEST_HOST,
      },
    ]),
  )("accepts %s as its lower-case host", (_spelling, { raw, host }) => {
    expect(canonicaliseUpstream(raw)).toEqual({ ok: true, host });
  });
});

describe("judgeUpstream with the test policy (test/fixtures/policies/service.yaml)", () => {
  const REGISTRY = "123456789012";

  it.each([
    { host: "public.ecr.aws", url: "public.ecr.aws" },
    { host: "registry.k8s.io", url: "registry.k8s.io" },
    { host: "quay.io", url: "quay.io" },
    { host: "registry-1.docker.io", url: "registry-1.docker.io" },
    { host: "docker.io", url: "registry-1.docker.io" },
    { host: "index.docker.io", url: "registry-1.docker.io" },
    { host: "ghcr.io", url: "ghcr.io" },
  ])("admits $host as the entry for $url", ({ host, url }) => {
    const verdict = judgeUpstream(servicePolicy, REGISTRY, host);

    expect(verdict.allowed && verdict.entry.url).toBe(url);
  });

  it.each(
    byName("attack", [
      { attack: "allowlisted host as a subdomain of another domain", raw: "quay.io.evil.com" },
      {
        attack: "allowlisted host as a subdomain, spelt as an https URL",
        raw: "HTTPS://QUAY.IO.EVIL.COM/",
        host: "quay.io.evil.com",
      },
      { attack: "subdomain of an allowlisted host", raw: "evil.quay.io" },
      { attack: "www subdomain of an allowlisted host", raw: "www.quay.io" },
      { attack: "allowlisted host with a prefix", raw: "evilquay.io" },
      { attack: "dots replaced by a hyphen", raw: "quay-io.com" },
      { attack: "hyphenated continuation of the top-level label", raw: "registry.k8s.io-evil.com" },
      { attack: "punycode of a Cyrillic homoglyph of quay.io", raw: "xn--quy-7cd.io" },
      { attack: "punycode of a Greek homoglyph of docker.io", raw: "xn--dcker-jye.io" },
      { attack: "punycode of a Cyrillic homoglyph of ghcr.io", raw: "xn--ghr-5ed.io" },
      { attack: "alias as a subdomain of another domain", raw: "docker.io.evil.com" },
      {
        attack: "canonical docker host as a subdomain of another domain",
        raw: "registry-1.docker.io.evil.com",
      },
      { attack: "public.ecr.aws as a subdomain of another domain", raw: "public.ecr.aws.evil.com" },
      { attack: "parent domain of an allowlisted host", raw: "ecr.aws" },
      { attack: "parent domain of registry.k8s.io", raw: "k8s.io" },
      { attack: "a top-level domain", raw: "io" },
      { attack: "the allowlisted host without its top-level domain", raw: "quay" },
      { attack: "a similar registry not on the list", raw: "gcr.io" },
      { attack: "the IPv4 loopback in dotted digits", raw: "127.0.0.1" },
      { attack: "the IPv4 loopback with a hexadecimal octet", raw: "0x7f.0.0.1" },
      { attack: "the IPv4 loopback as one decimal number", raw: "2130706433" },
      { attack: "the instance metadata address", raw: "169.254.169.254" },
      { attack: "localhost", raw: "localhost" },
    ]),
  )("canonicalises but denies %s", (_attack, row) => {
    const host = row.host ?? row.raw;

    const canonical = canonicaliseUpstream(row.raw);
    const verdict = judgeUpstream(servicePolicy, REGISTRY, host);

    expect(canonical).toEqual({ ok: true, host });
    expect(verdict).toEqual({ allowed: false, reason: "not-on-allowlist" });
  });
});

describe("judgeUpstream with aliases and registry scoping", () => {
  const LISTED = "123456789012";
  const ALSO_LISTED = "210987654321";
  const UNLISTED = "999988887777";
  const DOCKER_HUB = {
    url: "registry-1.docker.io",
    aliases: ["docker.io", "index.docker.io"],
    upstreamRegistry: "docker-hub",
    credentialArn:
      "arn:aws:secretsmanager:{region}:{registryId}:secret:ecr-pullthroughcache/docker-hub",
  };
  const QUAY = {
    url: "quay.io",
    aliases: ["quay.example.com"],
    registryIds: [LISTED, ALSO_LISTED],
  };
  const policy: UpstreamPolicy = { version: 1, upstreams: [DOCKER_HUB, QUAY] };

  it.each(
    byName("case", [
      {
        case: "an unscoped entry's url for any registry",
        host: "registry-1.docker.io",
        registryId: UNLISTED,
        entry: DOCKER_HUB,
      },
      {
        case: "an unscoped entry's first alias",
        host: "docker.io",
        registryId: UNLISTED,
        entry: DOCKER_HUB,
      },
      {
        case: "an unscoped entry's second alias",
        host: "index.docker.io",
        registryId: LISTED,
        entry: DOCKER_HUB,
      },
      {
        case: "a scoped entry's url for a listed registry",
        host: "quay.io",
        registryId: LISTED,
        entry: QUAY,
      },
      {
        case: "a scoped entry's url for another listed registry",
        host: "quay.io",
        registryId: ALSO_LISTED,
        entry: QUAY,
      },
      {
        case: "a scoped entry's alias for a listed registry",
        host: "quay.example.com",
        registryId: ALSO_LISTED,
        entry: QUAY,
      },
    ]),
  )("admits %s, answering with the entry", (_case, { host, registryId, entry }) => {
    expect(judgeUpstream(policy, registryId, host)).toEqual({ allowed: true, entry });
  });

  it.each(
    byName("case", [
      {
        case: "a scoped entry's url for an unlisted registry",
        host: "quay.io",
        registryId: UNLISTED,
      },
      {
        case: "a scoped entry's alias for an unlisted registry",
        host: "quay.example.com",
        registryId: UNLISTED,
      },
      {
        case: "a scoped entry for a registry id that is a prefix of a listed one",
        host: "quay.io",
        registryId: "12345678901",
      },
      {
        case: "a scoped entry for a registry id with a listed one as prefix",
        host: "quay.io",
        registryId: `${LISTED}0`,
      },
      { case: "a scoped entry for an empty registry id", host: "quay.io", registryId: "" },
    ]),
  )("denies %s as not for this registry", (_case, { host, registryId }) => {
    expect(judgeUpstream(policy, registryId, host)).toEqual({
      allowed: false,
      reason: "not-for-registry",
    });
  });

  it.each(
    byName("case", [
      { case: "an unknown host for a listed registry", host: "ghcr.io", registryId: LISTED },
      {
        case: "an upper-case spelling (hosts must be canonical)",
        host: "DOCKER.IO",
        registryId: LISTED,
      },
      {
        case: "an https spelling (hosts must be canonical)",
        host: "https://quay.io",
        registryId: LISTED,
      },
      { case: "a trailing slash (hosts must be canonical)", host: "quay.io/", registryId: LISTED },
      { case: "a suffix of an alias", host: "example.com", registryId: LISTED },
      { case: "an alias with a subdomain", host: "evil.docker.io", registryId: LISTED },
      { case: "the empty host", host: "", registryId: LISTED },
    ]),
  )("denies %s as not on the allowlist", (_case, { host, registryId }) => {
    expect(judgeUpstream(policy, registryId, host)).toEqual({
      allowed: false,
      reason: "not-on-allowlist",
    });
  });

  it("denies everything with an empty allowlist", () => {
    const empty: UpstreamPolicy = { version: 1, upstreams: [] };

    expect(judgeUpstream(empty, LISTED, "quay.io")).toEqual({
      allowed: false,
      reason: "not-on-allowlist",
    });
  });

  it("asks ECR for the entry's canonical url and filled-in credential when the caller spells an alias", () => {
    const canonical = canonicaliseUpstream("HTTPS://Index.Docker.IO/");
    const host = canonical.ok ? canonical.host : "";
    const verdict = judgeUpstream(policy, LISTED, host);

    expect(verdict.allowed).toBe(true);
    const spec = verdict.allowed
      ? specFor(verdict.entry, LISTED, "docker-hub", "eu-west-1")
      : undefined;
    expect(spec).toEqual({
      registryId: LISTED,
      ecrRepositoryPrefix: "docker-hub",
      upstreamRegistryUrl: "registry-1.docker.io",
      upstreamRegistry: "docker-hub",
      credentialArn: `arn:aws:secretsmanager:eu-west-1:${LISTED}:secret:ecr-pullthroughcache/docker-hub`,
    });
  });

  it("asks ECR for the canonical url only, without credential, for an entry that binds none", () => {
    const verdict = judgeUpstream(policy, ALSO_LISTED, "quay.example.com");

    const spec = verdict.allowed
      ? specFor(verdict.entry, ALSO_LISTED, "quay", "eu-west-1")
      : undefined;
    expect(spec).toEqual({
      registryId: ALSO_LISTED,
      ecrRepositoryPrefix: "quay",
      upstreamRegistryUrl: "quay.io",
    });
  });
});
