import type { BodyParseResult } from "./http.js";
import type { SimulatorState } from "./state.js";
import type { Instance } from "./store.js";

/** One request to a known instance, as the endpoint handlers see it. */
export interface ZendeskRequest {
  method: string;
  url: URL;
  instance: Instance;
  state: SimulatorState;
  body: BodyParseResult;
  /** The body as sent: the Support API's writes read nested JSON (`ticket.comment.body`). */
  rawBody: string;
  authorization: string | undefined;
  /** `http://127.0.0.1:{port}`: builds absolute URLs such as `next_page`. */
  baseUrl: string;
  /** Captures of the route pattern (e.g. a token id). */
  routeParams: string[];
}
