import * as z from "zod/mini";
import { listUpstreams } from "../../domain/list-upstreams.js";
import { nothing, registryId } from "../request-schemas.js";
import type { UpstreamListBody } from "../response-schemas.js";
import { jsonResponse } from "../responses.js";
import { defineRoute, type RouteDocs } from "../route.js";

const request = z.object({ path: nothing, query: z.strictObject({ registryId }) });

const docs: RouteDocs = {
  summary: "What a registry may use as upstreams",
  answers: [{ status: 200, schema: "UpstreamList", description: "The allowed upstreams." }],
  problems: ["invalid-body"],
};

/** `GET /upstreams?registryId=…`: what the registry may use, in policy order; no ARN shown. */
export const route = defineRoute(request, docs, ({ policy }) => async ({ query }) => {
  const answer: UpstreamListBody = {
    upstreams: listUpstreams(policy, query.registryId).map(
      ({ upstreamRepositoryPrefixes, aliases, ...view }) => ({
        ...view,
        aliases: [...aliases],
        ...(upstreamRepositoryPrefixes === undefined
          ? {}
          : { upstreamRepositoryPrefixes: [...upstreamRepositoryPrefixes] }),
      }),
    ),
  };
  return jsonResponse(200, answer);
});
