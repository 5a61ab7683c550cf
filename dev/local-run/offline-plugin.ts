/**
 * A serverless plugin for `npm start` only, which keeps serverless-offline's local API Gateway
 * from granting CORS permission that the deployed REST API never grants. `npm start` bundles this file to CommonJS and runs
 * `serverless offline start` with `node --require <bundle>`; on that first load the bundle adds
 * itself to the service's plugins (after serverless-offline, exactly as if serverless.yml listed
 * it) and ties the process's life to the launcher's IPC channel. `serverless package` and
 * `deploy` never load it.
 *
 * What it changes, once serverless-offline's HTTP server is up (hapi extension points, through
 * serverless-offline's `internals().getApiGatewayServer()`): serverless-offline adds
 * `Access-Control-Allow-Origin` and `-Credentials` for any `Origin` to every answer, and hapi
 * answers CORS preflights; the deployed API has no CORS at all. Every `Access-Control-*` header
 * goes, except those the function set itself.
 *
 * When serverless-offline no longer has what this relies on, the launch fails and says so.
 * @module
 */
import { createRequire } from "node:module";
import { isMainThread } from "node:worker_threads";
import type { Lifecycle, Request, ResponseObject, Server } from "@hapi/hapi";

interface Serverless {
  readonly pluginManager: { readonly plugins: readonly object[] };
}

interface ServerlessOffline {
  internals(): { getApiGatewayServer(): Server };
}

const isServerlessOffline = (plugin: object): plugin is ServerlessOffline =>
  plugin.constructor.name === "ServerlessOffline" &&
  typeof Reflect.get(plugin, "internals") === "function";

/** serverless-offline tags the routes that invoke a function. */
const FUNCTION_ROUTE_TAG = "api";

const isFunctionRoute = (request: Request): boolean =>
  request.route.settings.tags?.includes(FUNCTION_ROUTE_TAG) === true;

/** A response of a handler, not a Boom error (hapi's, or one thrown on the way). */
const isResponseObject = (response: Request["response"]): response is ResponseObject =>
  response !== null && !("isBoom" in response && response.isBoom);

const withoutAccessControl = (
  headers: Record<string, unknown>,
  keep: ReadonlySet<string> = new Set(),
): void => {
  for (const name of Object.keys(headers)) {
    if (/^access-control-/i.test(name) && !keep.has(name.toLowerCase())) delete headers[name];
  }
};

/** Adds the hapi extensions described in the module documentation. */
const adapt = (server: Server): void => {
  // Header names each function answer had before serverless-offline's onPreResponse ran.
  const functionHeaders = new WeakMap<Request, ReadonlySet<string>>();

  server.ext("onPostHandler", (request, h) => {
    const response = request.response;
    if (isFunctionRoute(request) && isResponseObject(response)) {
      functionHeaders.set(
        request,
        new Set(Object.keys(response.headers).map((name) => name.toLowerCase())),
      );
    }
    return h.continue;
  });

  const onPreResponse: Lifecycle.Method = (request, h) => {
    // serverless-offline's catch-all route has hapi's CORS on, which would add its headers to
    // any answer of that route after onPreResponse: tell hapi the origin did not match. (Typed
    // as always there; it is null on a route without CORS.)
    if (request.info.cors) request.info.cors.isOriginMatch = false;
    const response = request.response;
    if (isResponseObject(response))
      withoutAccessControl(response.headers, functionHeaders.get(request));
    else if (response !== null) withoutAccessControl(response.output.headers);
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
        adapt(server);
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
