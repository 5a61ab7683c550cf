import type { AuditTrail } from "../domain/audit-trail.js";
import type { ApiEvent } from "./api-event.js";
import type { RouteDefinition } from "./route-table.js";

/** What the middlewares and the dispatcher learn of one request, for its audit line. */
export interface RequestState {
  readonly startedAt: number;
  readonly trail: AuditTrail;
  route?: RouteDefinition;
  /** The parsed JSON body, once it is known to be one object. */
  body?: Readonly<Record<string, unknown>>;
}

const states = new WeakMap<ApiEvent, RequestState>();

/** The state of the request `event` belongs to, created on first use. */
export const requestStateOf = (event: ApiEvent): RequestState => {
  let state = states.get(event);
  if (state === undefined) {
    state = { startedAt: performance.now(), trail: {} };
    states.set(event, state);
  }
  return state;
};
