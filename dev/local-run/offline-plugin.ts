/**
 * A serverless plugin for `npm start` only, which makes serverless-offline's local API Gateway
 * answer as the deployed REST API does. `npm start` bundles this file to CommonJS and runs
 * `serverless offline start` with `node --require <bundle>`; on that first load the bundle adds
 * itself to the service's plugins (after serverless-offline, exactly as if serverless.yml listed
 * it) and ties the process's life to the launcher's IPC channel. `serverless package` and
 * `deploy` never load it.
 *
 * What it changes, once serverless-offline's HTTP server is up (hapi extension points, through
 * serverless-offline's `internals().getApiGatewayServer()`):
 * - the request body reaches the function exactly as sent: serverless-offline `JSON.parse`s a
 *   JSON body and, when the result is a string or falsy, hands that on instead of the raw text
 *   (`"{\"a\":1}"` arrived as `{"a":1}`, `null` as no body at all);
 * - the function's answer leaves with exactly its own headers: no `Access-Control-*` that
 *   serverless-offline adds for any `Origin`, no `; charset=utf-8` that hapi appends;
 * - what API Gateway itself would answer (no such route or method, HEAD, a body over its limit,
 *   a function that failed) is the gateway response serverless.yml declares for the deployed API,
 *   not serverless-offline's own JSON with its route list or stack trace.
 *
 * When serverless-offline no longer has what this relies on, the launch fails and says so.
 * @module
 */
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { isMainThread } from "node:worker_threads";
import type { Lifecycle, Request, ResponseObject, ResponseToolkit, Server } from "@hapi/hapi";
import { type GatewayError, GatewayResponses } from "./gateway-responses.js";

/** serverless-offline JSON-parses a body whose media type is one of its JSON ones; this is none. */
const UNPARSED_MEDIA_TYPE = "application/x-ecr-cache-rules-unparsed";

/** serverless-offline tags the routes that invoke a function. */
const FUNCTION_ROUTE_TAG = "api";

type Failure = Omit<GatewayError, "requestId">;

const NO_SUCH_ROUTE: Failure = {
  type: "MISSING_AUTHENTICATION_TOKEN",
  status: 403,
  message: "Missing Authentication Token",
};

const FUNCTION_FAILED: Failure = {
  type: "DEFAULT_5XX",
  status: 502,
  message: "Internal server error",
};

interface Serverless {
  readonly pluginManager: { readonly plugins: readonly object[] };
  readonly service: { readonly resources?: { readonly Resources?: unknown } };
}

interface ServerlessOffline {
  internals(): { getApiGatewayServer(): Server };
}

const isServerlessOffline = (plugin: object): plugin is ServerlessOffline =>
  plugin.constructor.name === "ServerlessOffline" &&
  typeof Reflect.get(plugin, "internals") === "function";

/** A response of a handler, not a Boom error (hapi's, or one thrown on the way). */
const isResponseObject = (response: Request["response"]): response is ResponseObject =>
  response !== null && !("isBoom" in response && response.isBoom);

const isFunctionRoute = (request: Request): boolean =>
  request.route.settings.tags?.includes(FUNCTION_ROUTE_TAG) === true;

/** What API Gateway would have answered instead of this response, if it is not the function's. */
const gatewayFailure = (request: Request): Failure | undefined => {
  const response = request.response;
  if (response === null) return FUNCTION_FAILED;
  if ("isBoom" in response && response.isBoom) {
    const status = response.output.statusCode;
    if (status === 413) {
      return { type: "REQUEST_TOO_LARGE", status, message: "Request Too Long" };
    }
    if (status === 404 || status === 405) return NO_SUCH_ROUTE;
    return {
      type: status < 500 ? "DEFAULT_4XX" : "DEFAULT_5XX",
      status,
      message: response.output.payload.message,
    };
  }
  // The catch-all 404 route, and hapi's own answer to OPTIONS.
  if (!isFunctionRoute(request)) return NO_SUCH_ROUTE;
  // The function's answers carry its string body; serverless-offline's own (the function threw,
  // timed out, or returned a body that is not a string) carry an object or nothing.
  if ("source" in response && typeof response.source !== "string") return FUNCTION_FAILED;
  return undefined;
};

/** Adds the hapi extensions described in the module documentation. */
const adapt = (server: Server, gatewayResponses: GatewayResponses): void => {
  const answer = (request: Request, h: ResponseToolkit, failure: Failure) => {
    // serverless-offline's catch-all route has hapi's CORS on, which would add its headers to
    // any answer of that route after onPreResponse: tell hapi the origin did not match. (Typed
    // as always there; it is null on a route without CORS.)
    if (request.info.cors) request.info.cors.isOriginMatch = false;
    const rendered = gatewayResponses.render({ ...failure, requestId: randomUUID() });
    const response = h.response(rendered.body).code(rendered.status);
    response.charset();
    for (const [name, value] of Object.entries(rendered.headers)) response.header(name, value);
    return response;
  };
  // Header names each function answer had before serverless-offline's onPreResponse ran.
  const functionHeaders = new WeakMap<Request, ReadonlySet<string>>();

  server.ext("onPreHandler", (request, h) => {
    // serverless-offline skips HEAD routes and hapi answers HEAD with the GET route; API Gateway
    // has no HEAD method on any of these resources.
    if (request.method === "head") return answer(request, h, NO_SUCH_ROUTE).takeover();
    // hapi's types mark `mime` read-only; serverless-offline reads it to decide on JSON.parse.
    if (isFunctionRoute(request)) Reflect.set(request, "mime", UNPARSED_MEDIA_TYPE);
    return h.continue;
  });

  server.ext("onPostHandler", (request, h) => {
    const response = request.response;
    if (isResponseObject(response)) {
      functionHeaders.set(
        request,
        new Set(Object.keys(response.headers).map((name) => name.toLowerCase())),
      );
    }
    return h.continue;
  });

  const onPreResponse: Lifecycle.Method = (request, h) => {
    const failure = gatewayFailure(request);
    if (failure !== undefined) return answer(request, h, failure);
    const response = request.response;
    if (!isResponseObject(response)) return h.continue;
    const own = functionHeaders.get(request) ?? new Set<string>();
    for (const name of Object.keys(response.headers)) {
      if (/^access-control-/i.test(name) && !own.has(name.toLowerCase())) {
        delete response.headers[name];
      }
    }
    // Without an argument: no charset normalisation, the function's Content-Type as it is.
    response.charset();
    return h.continue;
  };
  server.ext("onPreResponse", onPreResponse);
};

/** The plugin serverless instantiates: adapts serverless-offline once its server is up. */
class LocalRunPlugin {
  readonly hooks: Readonly<Record<string, () => void>>;

  constructor(serverless: Serverless) {
    this.hooks = {
      "after:offline:start:init": () => {
        const offline = serverless.pluginManager.plugins.find(isServerlessOffline);
        const server = offline?.internals().getApiGatewayServer();
        if (server === undefined || typeof server.ext !== "function") {
          throw new Error(
            "npm start: this serverless-offline version does not expose its HTTP server " +
              "(internals().getApiGatewayServer()), so dev/local-run/offline-plugin.ts cannot " +
              "make it answer as API Gateway does.",
          );
        }
        adapt(server, new GatewayResponses(serverless.service.resources?.Resources));
        process.send?.({ type: "ready" });
      },
    };
  }
}

interface PluginManagerModule {
  readonly prototype: { loadAllPlugins: (this: unknown, plugins: unknown) => Promise<unknown> };
}

/** The service's plugin list (an array, or `{ modules, localPath }`) with this file appended. */
const withThisPlugin = (plugins: unknown): unknown => {
  if (Array.isArray(plugins)) return [...plugins, __filename];
  if (typeof plugins === "object" && plugins !== null) {
    const modules: unknown = Reflect.get(plugins, "modules");
    return { ...plugins, modules: [...(Array.isArray(modules) ? modules : []), __filename] };
  }
  return [__filename];
};

/** On the `--require` load: register the plugin with the serverless whose bin is running. */
const register = (): void => {
  // `--require` runs in worker threads too (tsx's module hooks, which serverless.yml's route
  // table loads through): only the main thread runs serverless.
  if (!isMainThread) return;
  const bin = process.argv[1];
  if (bin === undefined) throw new Error("npm start: the serverless bin is not argv[1]");
  const { prototype }: PluginManagerModule = createRequire(bin)("../lib/classes/plugin-manager.js");
  const loadAllPlugins = prototype.loadAllPlugins;
  prototype.loadAllPlugins = function (this: unknown, plugins: unknown) {
    return loadAllPlugins.call(this, withThisPlugin(plugins));
  };
  // The launcher's IPC channel closes when it dies, however it dies: stop as on SIGTERM. The
  // channel must not keep the process alive on its own (after a failed start, say).
  process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
  process.channel?.unref();
};

register();

// biome-ignore lint/style/noDefaultExport: serverless instantiates a plugin module's default export.
export default LocalRunPlugin;
