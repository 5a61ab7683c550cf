import * as z from "zod/mini";
import { loadOpenApiDocument } from "../openapi/document.js";
import { nothing } from "../request-schemas.js";
import { jsonResponse } from "../responses.js";
import { defineRoute, type RouteDocs } from "../route.js";

const request = z.object({ path: nothing, query: nothing });

const docs: RouteDocs = {
  summary: "This API's OpenAPI 3.1 document",
  answers: [{ status: 200, schema: "OpenApiDocument", description: "The OpenAPI document." }],
  problems: ["invalid-body"],
};

/** `GET /openapi.json`: this API's OpenAPI 3.1 document. */
export const route = defineRoute(request, docs, () => {
  let document: Promise<Record<string, unknown>> | undefined;
  return async () => {
    document ??= loadOpenApiDocument();
    return jsonResponse(200, await document);
  };
});
