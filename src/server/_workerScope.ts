/**
 * An answer from outside the hub (a service's, a mock's, a replayed HAR entry's, an intercept
 * route's) whose `Service-Worker-Allowed` header would let a service worker's scope cover the
 * hub's own pages under /__crossipc/. A page behind the hub is the dashboard's origin: a worker
 * that controls /__crossipc/ serves its own page there and reads the dashboard key from the URL
 * (./_admission.ts refuses the scripts whose folder alone would cover it; this header widens the
 * scope past the folder, Service Workers §Update: "max scope").
 *
 * - An answer to a worker script request (`Service-Worker: script`, which browsers send with the
 *   script a registration fetches) is refused, `502` naming the header: the registration then
 *   fails with the status, and the body says why. Without the header, Chromium would tell a user
 *   who had set it to "use the Service-Worker-Allowed HTTP header to allow the scope".
 * - Any other answer goes on without the header (nothing else reads it): otherwise a browser's
 *   HTTP cache keeps it from a plain `fetch` of the script, and a registration that revalidates
 *   that copy (a `304` without the header) takes it from there, the hub never seeing it again
 *   (Chromium registered such a worker for `/`: test/browser/worker-scope.test.ts).
 *
 * Hot path: every answer from outside the hub. One header read (from the header list a runtime's
 * proxy left on the answer, when it left one: a FastResponse would build a Headers object).
 */
import { ANSWER_BODY, ANSWER_HEADERS, getPlatform } from "../platform.ts";
import { quoted } from "../_excerpt.ts";
import type { IPCLogger } from "../types.ts";
import { requestHeader } from "./_nodeHeaders.ts";
import { DASHBOARD_PREFIX, pathOf } from "./_path.ts";
import { warnRefusal } from "./_refusalLog.ts";

const NAME = "service-worker-allowed";
/** The most parts of a list (`a, b`) checked one by one; the header names one URL. */
const MAX_PARTS = 8;

/** `response`, or the same answer without the header, or the message of its refusal (the caller answers `502`). */
export function screenWorkerScope(request: Request, response: Response, logger: IPCLogger | undefined): Response | { refused: string } {
  const list = (response as { [ANSWER_HEADERS]?: Array<[string, string]> })[ANSWER_HEADERS];
  const value = list === undefined ? response.headers.get(NAME) : listed(list);
  if (value === null || !coversHub(value, request.url)) return response;
  if (requestHeader(request, "service-worker") === "script") {
    const refused =
      `The answer to service worker script ${pathOf(request.url)} is refused: its Service-Worker-Allowed header (${quoted(value, 100)}) ` +
      `would let the worker's scope cover the hub's dashboard at ${DASHBOARD_PREFIX}. Allow only the app's own folder (e.g. Service-Worker-Allowed: /app/)`;
    warnRefusal(logger, refused);
    response.body?.cancel().catch(() => {});
    return { refused };
  }
  return withoutHeader(response, list);
}

/** The header's value as `Headers.get` joins it, or null. */
function listed(list: Array<[string, string]>): string | null {
  let value: string | null = null;
  for (const [name, field] of list) if (name === NAME) value = value === null ? field : `${value}, ${field}`;
  return value;
}

/**
 * Whether the scope the value allows holds a path under /__crossipc/ (or is one of them): the value
 * is a URL resolved against the script's, and a scope is allowed when its path starts with that
 * URL's path, compared as text (Chromium: `/%5F%5Fcrossipc/` does not allow `/__crossipc/`, and the
 * hub's pages are only at the latter). Each part of a list is checked as well as the whole (two
 * fields join with a comma, which a browser may read either way); the origin is not (a scope can
 * only be of the page's origin, which the hub cannot know from `Host` alone).
 */
function coversHub(value: string, base: string): boolean {
  const parts = value.includes(",") ? value.split(",", MAX_PARTS + 1) : [];
  // A longer list is read as covering: each part is a URL parsed, and an answer may carry a header of
  // megabytes (a mock's: 1.2 MB of `/app/,` took 175-340 ms per answer on Node 20, the hub frozen meanwhile).
  if (parts.length > MAX_PARTS) return true;
  for (const part of [value, ...parts]) {
    let path: string;
    try {
      path = new URL(part.trim(), base).pathname;
    } catch {
      continue;
    }
    if (DASHBOARD_PREFIX.startsWith(path) || path.startsWith(DASHBOARD_PREFIX)) return true;
  }
  return false;
}

/**
 * The answer without the header. A Response's headers can be changed in place unless it was
 * fetched (a spy's); srvx's FastResponse sends the Headers it built when asked for them. The
 * header list left for the journal is replaced, not changed (a replay shares it across answers).
 */
function withoutHeader(response: Response, list: Array<[string, string]> | undefined): Response {
  let answer = response;
  try {
    answer.headers.delete(NAME);
  } catch {
    const headers = new Headers(response.headers);
    headers.delete(NAME);
    const AnswerResponse = (getPlatform().Response ?? Response) as new (body: BodyInit | null, init?: ResponseInit) => Response;
    answer = new AnswerResponse(response.body, { status: response.status, statusText: response.statusText, headers });
    if (ANSWER_BODY in response) (answer as { [ANSWER_BODY]?: unknown })[ANSWER_BODY] = (response as { [ANSWER_BODY]?: unknown })[ANSWER_BODY];
  }
  if (list !== undefined) (answer as { [ANSWER_HEADERS]?: unknown })[ANSWER_HEADERS] = list.filter(([name]) => name !== NAME);
  return answer;
}
