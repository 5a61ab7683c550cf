import type { IncomingHttpHeaders } from "node:http";
import type { LocalProblem } from "./local-problem.js";

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The host name of a `Host` value (`localhost:3000` → `localhost`), lower-cased. */
const hostName = (host: string): string => host.toLowerCase().replace(/:[0-9]+$/, "");

/** A `Host` that names this machine's loopback interface, with or without a port. */
export const isLoopbackHost = (host: string | undefined): boolean =>
  host !== undefined && LOOPBACK_NAMES.has(hostName(host));

/** The origins of pages served by this API itself (there are none, but a browser may open one). */
const ownOrigins = (port: number): ReadonlySet<string> =>
  new Set([...LOOPBACK_NAMES].map((name) => `http://${name}:${port}`));

/**
 * Why a request must not reach the local API, if it must not. Locally nothing is signed, so
 * whatever reaches the function acts with the credentials `npm start` has (a real AWS profile,
 * when it runs against a real ECR):
 * - a `Host` that is not a loopback name is a page whose DNS name was rebound to 127.0.0.1;
 * - an `Origin` other than the API's own is a web page: browsers send it with every cross-origin
 *   request, and the ones that need no CORS preflight (a form's POST to `…/sync`, say) would run
 *   without ever asking. No non-browser client sends it unasked.
 */
export const refusal = (headers: IncomingHttpHeaders, port: number): LocalProblem | undefined => {
  if (!isLoopbackHost(headers.host)) {
    return {
      status: 403,
      kind: "host-not-allowed",
      title: "Host not allowed",
      detail: `The local API answers only requests for 127.0.0.1, localhost or [::1]; this one was for '${(headers.host ?? "").slice(0, 100)}'.`,
      code: "HostNotAllowed",
    };
  }
  const origin = headers.origin;
  if (origin !== undefined && !ownOrigins(port).has(origin.toLowerCase())) {
    return {
      status: 403,
      kind: "cross-origin-request",
      title: "Cross-origin request",
      detail: `The local API does not answer web pages of other origins; this request came from '${origin.slice(0, 100)}'.`,
      code: "CrossOriginRequest",
    };
  }
  return undefined;
};
