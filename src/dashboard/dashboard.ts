import { warnRefusal } from "../server/_refusalLog.ts";
import type { IPCLogger } from "../types.ts";
import type { GuardOptions } from "../server/_guard.ts";
import type { Journal, JournalEntry } from "../server/journal.ts";
import { checkDashboardAccess } from "./_access.ts";
import { harAnswer, journalFilterOf, journalLimitOf, jsonStream } from "./_journalQuery.ts";
import { jsonListChunks, jsonResponse } from "../server/_json.ts";
import { getPlatform } from "../platform.ts";
import { EventStreams, EVENT_STREAM_LIMITS, type EventStreamLimits } from "./_events.ts";
import { DASHBOARD_HTML } from "./_page.ts";
import { DASHBOARD_SCRIPT } from "./_script.ts";
import { dashboardState, pageState, type StateInput } from "./_state.ts";
import { faultsApi, type FaultsSource } from "./_faultsApi.ts";

export interface DashboardSource {
  journal: Journal;
  guard: GuardOptions;
  /** What a browser must present (see `checkDashboardAccess`). */
  key: string;
  /** What the state is built from (`dashboardState` whole, `pageState` cut). */
  state: () => StateInput;
  logger?: IPCLogger;
  faults: FaultsSource;
  /** Live streams: how many at once, and how much unread data before one is dropped. */
  streams?: EventStreamLimits;
}

export interface Dashboard {
  /** Answers a request under `/__crossipc/`. */
  handle: (request: Request, url: URL) => Response | Promise<Response>;
  /** Ends the live streams (server teardown); resolves once the runtime can have written their ends. */
  close(): Promise<void>;
}

/**
 * The dashboard: one static page and its script, the state and the journal as JSON, and a
 * same-origin event stream that sends new entries within a second (no toolchain, no reload).
 */
export function createDashboard(source: DashboardSource): Dashboard {
  const streams = new EventStreams(source, source.streams ?? EVENT_STREAM_LIMITS);
  const access = { ...source.guard, key: source.key };
  // The runtime's own Response (jsonResponse, `page`): a Node hub sent the global one's text chunked.
  const json = (status: number, body: unknown) => jsonResponse(status, body, NO_STORE);

  const handle = (request: Request, url: URL): Response | Promise<Response> => {
    const path = url.pathname;
    const isPage = request.method === "GET" || request.method === "HEAD" ? PAGES[path] : undefined;
    // The page and its script are the same for everyone and carry nothing secret: a navigation
    // cannot send the key, so they load without it (and read it from the URL's fragment).
    const refusal = checkDashboardAccess(request, url, access, { needsKey: isPage === undefined && path !== "/__crossipc" });
    if (refusal) {
      warnRefusal(source.logger, `Dashboard request ${request.method} ${path} refused: ${refusal.message}`);
      return json(refusal.status, { error: refusal.message });
    }

    if (request.method === "GET" || request.method === "HEAD") {
      // Its length said: a Node hub sent a body-less Response chunked (an empty chunked body), where Bun and Deno say 0.
      if (path === "/__crossipc") return new Response(null, { status: 308, headers: { location: `/__crossipc/${url.search}`, "content-length": "0" } });
      if (isPage) return page(isPage.body, isPage.type);
      if (path === "/__crossipc/api/state") {
        // `?rows=N`: each list cut at N with its whole length in `totals` (what the page reads).
        const rows = url.searchParams.get("rows");
        if (rows === null) return json(200, dashboardState(source.state()));
        if (!/^\d{1,6}$/.test(rows)) return json(400, { error: `rows must be a number, got '${rows.slice(0, 20)}'` });
        return json(200, pageState(source.state(), Number(rows)));
      }
      if (path === "/__crossipc/api/journal") return journalAnswer(source.journal, url.searchParams, json);
      if (path === "/__crossipc/api/journal.har") return harAnswer(source.journal, url.searchParams, json);
      if (path.startsWith("/__crossipc/api/journal/")) {
        const entry = source.journal.get(Number(path.slice("/__crossipc/api/journal/".length)));
        return entry ? json(200, entry) : json(404, { error: "No such entry (the journal keeps only the last ones)" });
      }
      if (path === "/__crossipc/api/events") {
        const after = url.searchParams.get("after");
        const body = streams.open(after === null || !/^\d{1,15}$/.test(after) ? undefined : Number(after), withBodies(url.searchParams));
        return new Response(body, { headers: { ...NO_STORE, "content-type": "text/event-stream" } });
      }
    }
    if (path.startsWith("/__crossipc/api/faults")) {
      return faultsApi(request, path, source.faults, json).then((answer) => answer ?? json(404, { error: `No dashboard route for ${request.method} ${path}` }));
    }
    if (request.method === "DELETE" && path === "/__crossipc/api/journal") {
      source.journal.clear();
      return json(200, { cleared: true, lastId: source.journal.lastId });
    }
    return json(404, { error: `No dashboard route for ${request.method} ${path}` });
  };

  return { handle, close: () => streams.close() };
}

const PAGES: Record<string, { body: string; type: string } | undefined> = {
  "/__crossipc/": { body: DASHBOARD_HTML, type: "text/html; charset=utf-8" },
  "/__crossipc/index.html": { body: DASHBOARD_HTML, type: "text/html; charset=utf-8" },
  "/__crossipc/app.js": { body: DASHBOARD_SCRIPT, type: "text/javascript; charset=utf-8" },
};

const NO_STORE = { "cache-control": "no-store" };

/** The page and its script: no framing, nothing loaded from elsewhere, no referrer. */
function page(body: string, type: string): Response {
  return new (getPlatform().Response ?? Response)(body, {
    headers: {
      ...NO_STORE,
      "content-type": type,
      "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    },
  });
}

/** `?bodies=0` leaves the bodies out: the page lists entries, and reads one whole when it is clicked. */
function withBodies(query: URLSearchParams): boolean {
  return query.get("bodies") !== "0";
}

/** `?method=&path=&status=&client=&kind=&scope=&after=&limit=&bodies=`: the journal filter, over HTTP. */
function journalAnswer(journal: Journal, query: URLSearchParams, json: (status: number, body: unknown) => Response): Response {
  const filter = journalFilterOf(query);
  if (typeof filter === "string") return json(400, { error: filter });
  const limit = journalLimitOf(query);
  if (typeof limit === "string") return json(400, { error: limit });
  let entries: Iterable<JournalEntry>;
  try {
    entries = journal.latest(filter, limit, withBodies(query));
  } catch (error) {
    // A filter the journal refuses (a path glob too long): the caller's mistake, said plainly.
    return json(400, { error: (error as Error).message });
  }
  // Streamed an entry at a time, as journal.har is: the entries of a journal recording large
  // bodies (`--record`) can be more text than one string may hold.
  const head = `{"enabled":${journal.enabled},"size":${journal.size},"lastId":${journal.lastId},"entries":[`;
  return jsonStream(jsonListChunks(head, entries, "]}"), { ...NO_STORE, "content-type": "application/json" });
}
