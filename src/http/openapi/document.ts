/**
 * The OpenAPI document the `/openapi.json` route serves. From source (tests, local tools) it is
 * generated on first use; the build replaces this module with the generated JSON, so the
 * bundle carries neither the generator nor any schema-to-JSON code.
 * @module
 */
export const loadOpenApiDocument = async (): Promise<Record<string, unknown>> =>
  (await import("./generate.js")).buildOpenApiDocument();
