import { warnRefusal } from "./_refusalLog.ts";
import { quoted } from "../_excerpt.ts";
import { INTERNAL_SOCKET_PATH } from "../protocol.ts";
import type { IPCLogger } from "../types.ts";
import type { FrameworkClients } from "./_clients.ts";
import { isAllowedHost, isValidHost, type GuardOptions } from "./_guard.ts";
import { jsonResponse } from "./_json.ts";
import { pathOf } from "./_path.ts";
import { requestHeader } from "./_nodeHeaders.ts";

/**
 * The first thing every request and every WebSocket upgrade meets, whatever takes it later
 * (intercept route, proxy, 404, dashboard, framework path): a `Host` that could be a rebound DNS
 * name is refused, so a web page at `http://evil.example:9000` (its name rebound to 127.0.0.1)
 * reaches neither the hub nor, through the proxy, the services behind it (which would see the
 * proxy's loopback Host and let it in: CVE-2025-24010 for Vite).
 *
 * Hot path: a browser or a test suite sends the same Host on every request, so the last admitted
 * Host string (per set of options) is kept and a request that repeats it costs one header read and
 * one string compare. A missing Host passes here: what HTTP/1.1 says about that (400) is the
 * runtime's job, and a runtime client on HTTP/1.0 may leave it out.
 */
export function refuseRequest(request: Request, guard: GuardOptions, logger: IPCLogger | undefined): Response | undefined {
  const host = requestHeader(request, "host");
  if (host !== undefined && (host !== lastHost || guard !== lastGuard)) {
    if (!isValidHost(host)) return refuseMalformedHost(host, logger);
    if (!isAllowedHost(host, guard.allowedHosts)) return refuseHost(host, logger);
    lastHost = host;
    lastGuard = guard;
  }
  // A service worker's scope defaults to its script's folder: a page behind the hub that
  // registers `/sw.js` would control every page of the origin, the dashboard included (it could
  // serve a page of its own at /__crossipc/ and read the key from its URL). The header is read
  // only for a URL whose folder could cover the dashboard: most paths have a folder of their own.
  const url = request.url;
  if (folderCoversDashboard(url) && requestHeader(request, "service-worker") === "script") return refuseWorker(url, logger);
  return undefined;
}

/** What the upgrade hook asks first: the Host check above, then the framework path's own caps. */
export function refuseUpgrade(
  request: Request,
  state: { readonly guard: GuardOptions; readonly clients: FrameworkClients; readonly logger?: IPCLogger },
): Response | undefined {
  const refused = refuseRequest(request, state.guard, state.logger);
  if (refused) return refused;
  const { clients } = state;
  if (clients.size >= clients.maxClients && pathOf(request.url) === INTERNAL_SOCKET_PATH) {
    const message = `Too many framework clients: this server takes ${clients.maxClients} (the maxClients option); try again when one has left`;
    warnRefusal(state.logger, `Framework connection refused: ${message}`);
    return jsonResponse(503, { error: message }, { "retry-after": "1" });
  }
  return undefined;
}

let lastHost: string | undefined;
let lastGuard: GuardOptions | undefined;
/** Refusals are logged once per Host in a row: a page that loops must not flood the logger. */
let lastRefused: string | undefined;

function refuseHost(host: string, logger: IPCLogger | undefined): Response {
  const name = host.startsWith("[") ? host : host.replace(/:\d*$/, "");
  const message =
    `Host '${host}' is not allowed: this hub answers loopback names (localhost, *.localhost) and IP addresses only, ` +
    `so that a web page whose DNS name was rebound to this machine cannot reach it. ` +
    `To admit '${name}', add it to the allowedHosts option (crossipc hub --allow-host ${name})`;
  if (host !== lastRefused) warnRefusal(logger, `Request refused: ${message}`);
  lastRefused = host;
  return jsonResponse(403, { error: message });
}

function refuseMalformedHost(host: string, logger: IPCLogger | undefined): Response {
  // The value is the client's: quoted short, escaped by JSON.
  const message = `Host ${quoted(host, 100)} is not a host name or IP address with an optional port (RFC 9110 §7.2)`;
  if (host !== lastRefused) warnRefusal(logger, `Request refused: ${message}`);
  lastRefused = host;
  return jsonResponse(400, { error: message });
}

function refuseWorker(url: string, logger: IPCLogger | undefined): Response {
  const path = pathOf(url);
  const message =
    `Service worker script ${path} refused: its scope would cover the hub's dashboard at /__crossipc/. ` +
    `Serve it from a folder of its own (e.g. /app/sw.js, scope /app/)`;
  warnRefusal(logger, message);
  return jsonResponse(403, { error: message });
}

/**
 * Whether a worker script at `url` would by default control the dashboard: its default (largest)
 * scope is its folder (`/sw.js` → `/`, `/app/sw.js` → `/app/`), so a script in the root folder or
 * under /__crossipc/. Read off the URL without slicing it: every request passes here.
 */
function folderCoversDashboard(url: string): boolean {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1 || url.startsWith("/__crossipc/", start)) return true;
  const slash = url.indexOf("/", start + 1);
  if (slash === -1) return true;
  // A `/` in the query is not a folder's.
  const query = url.indexOf("?", start);
  return query !== -1 && query < slash;
}
