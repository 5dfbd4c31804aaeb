import { log } from "../_log.ts";
import { unrefInterval } from "../_timers.ts";
import type { IPCLogger } from "../types.ts";
import type { GuardOptions } from "../server/_guard.ts";
import type { Journal, JournalFilter } from "../server/journal.ts";
import { checkDashboardAccess } from "./_access.ts";
import { DASHBOARD_HTML } from "./_page.ts";
import { DASHBOARD_SCRIPT } from "./_script.ts";
import type { DashboardState } from "./_state.ts";

export interface DashboardSource {
  journal: Journal;
  guard: GuardOptions;
  state: () => DashboardState;
  logger?: IPCLogger;
}

export interface Dashboard {
  /** Answers a request under `/__crossipc/`. */
  handle: (request: Request, url: URL) => Response;
  /** Ends the live streams (server teardown). */
  close(): void;
}

/** How often the live stream sends new journal entries, and every how many of those the state. */
const TICK_MS = 250;
const STATE_EVERY = 4;

/**
 * The dashboard: one static page and its script, the state and the journal as JSON, and a
 * same-origin event stream that sends new entries within a second (no toolchain, no reload).
 */
export function createDashboard(source: DashboardSource): Dashboard {
  const streams = new Set<() => void>();
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { ...NO_STORE, "content-type": "application/json" } });

  const handle = (request: Request, url: URL): Response => {
    const path = url.pathname;
    // The script is the same for everyone and carries nothing secret: the page's <script> tag
    // needs no token.
    const refusal = checkDashboardAccess(request, url, source.guard, { needsToken: path !== "/__crossipc/app.js" });
    if (refusal) {
      log(source.logger, "warn", `Dashboard request ${request.method} ${path} refused: ${refusal.message}`);
      return json(refusal.status, { error: refusal.message });
    }

    if (request.method === "GET" || request.method === "HEAD") {
      if (path === "/__crossipc") return new Response(null, { status: 308, headers: { location: `/__crossipc/${url.search}` } });
      if (path === "/__crossipc/" || path === "/__crossipc/index.html") return page(DASHBOARD_HTML, "text/html; charset=utf-8");
      if (path === "/__crossipc/app.js") return page(DASHBOARD_SCRIPT, "text/javascript; charset=utf-8");
      if (path === "/__crossipc/api/state") return json(200, source.state());
      if (path === "/__crossipc/api/journal") return journalAnswer(source.journal, url.searchParams, json);
      if (path.startsWith("/__crossipc/api/journal/")) {
        const entry = source.journal.get(Number(path.slice("/__crossipc/api/journal/".length)));
        return entry ? json(200, entry) : json(404, { error: "No such entry (the journal keeps only the last ones)" });
      }
      if (path === "/__crossipc/api/events") return eventStream(source, streams);
    }
    if (request.method === "DELETE" && path === "/__crossipc/api/journal") {
      source.journal.clear();
      return json(200, { cleared: true, lastId: source.journal.lastId });
    }
    return json(404, { error: `No dashboard route for ${request.method} ${path}` });
  };

  return {
    handle,
    close() {
      for (const end of streams) end();
      streams.clear();
    },
  };
}

const NO_STORE = { "cache-control": "no-store" };

/** The page and its script: no framing, nothing loaded from elsewhere, no referrer (the URL may carry the token). */
function page(body: string, type: string): Response {
  return new Response(body, {
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

/** `?method=&path=&status=&client=&kind=&scope=&after=&limit=`: the journal filter, over HTTP. */
function journalAnswer(journal: Journal, query: URLSearchParams, json: (status: number, body: unknown) => Response): Response {
  const filter: JournalFilter = {};
  const text = (name: string) => query.get(name) || undefined;
  filter.method = text("method");
  filter.path = text("path");
  filter.client = text("client");
  filter.kind = text("kind") as JournalFilter["kind"];
  filter.direction = text("direction") as JournalFilter["direction"];
  filter.scope = text("scope");
  const status = text("status");
  if (status !== undefined) {
    if (/^[1-5]xx$/.test(status)) filter.status = status as `${1 | 2 | 3 | 4 | 5}xx`;
    else if (/^\d{3}$/.test(status)) filter.status = Number(status);
    else return json(400, { error: `status must be a number such as 404 or a class such as 4xx, got '${status}'` });
  }
  const after = text("after");
  if (after !== undefined) {
    if (!/^\d+$/.test(after)) return json(400, { error: `after must be an entry id, got '${after}'` });
    filter.after = Number(after);
  }
  const limit = text("limit");
  if (limit !== undefined && !/^\d+$/.test(limit)) return json(400, { error: `limit must be a number, got '${limit}'` });
  let entries = journal.entries(filter);
  if (limit !== undefined) entries = entries.slice(Math.max(0, entries.length - Number(limit)));
  return json(200, { enabled: journal.enabled, size: journal.size, lastId: journal.lastId, entries });
}

/**
 * Server-sent events: `state` at once and every second, `entries` (the new ones) every 250 ms
 * when there are any, `cleared` when the journal was cleared. Polling the journal's ring on a
 * timer keeps the request path free of any work for the page.
 */
function eventStream(source: DashboardSource, streams: Set<() => void>): Response {
  const encoder = new TextEncoder();
  let end = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let lastId = source.journal.lastId;
      let clears = source.journal.clears;
      let ticks = 0;
      const send = (event: string, data: unknown) => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      const tick = () => {
        try {
          const journal = source.journal;
          if (journal.clears !== clears) {
            clears = journal.clears;
            send("cleared", { lastId: journal.lastId });
          }
          if (journal.lastId !== lastId) {
            const entries = journal.entries({ after: lastId });
            if (entries.length) send("entries", entries);
            lastId = journal.lastId;
          }
          if (ticks++ % STATE_EVERY === 0) send("state", source.state());
        } catch {
          end();
        }
      };
      const timer = unrefInterval(tick, TICK_MS);
      end = () => {
        clearInterval(timer);
        streams.delete(end);
        try {
          controller.close();
        } catch {
          // Already closed or cancelled.
        }
      };
      streams.add(end);
      tick();
    },
    cancel() {
      end();
    },
  });
  return new Response(body, { headers: { ...NO_STORE, "content-type": "text/event-stream" } });
}
