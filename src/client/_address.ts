import { INTERNAL_SOCKET_PATH } from "../protocol.ts";
import { concat } from "../_bytes.ts";

/** Request path the client's heartbeat uses; any answer (even "No handler for") means alive. */
export const HEARTBEAT_PATH = "__crossipc/ping";

/**
 * `4000` → `ws://127.0.0.1:4000`; `http://h:1` → `ws://h:1`; `h:1` → `ws://h:1`. A URL that
 * already ends in the framework path (as a raw socket of the original's tests opens it) is taken
 * as its server's base, so the path is not added twice.
 */
export function wsBase(portOrUrl: number | string): string {
  if (typeof portOrUrl === "number") return `ws://127.0.0.1:${portOrUrl}`;
  // A query or fragment (`?token=T`, as the framework path takes it; a dashboard URL's `#key=`)
  // was kept in the base, and the framework path added after it: an upgrade of `/` that 404s.
  const trimmed = withoutQuery(portOrUrl).replace(/\/+$/, "").replace(FRAMEWORK_PATH_AT_END, "");
  if (/^wss?:\/\//.test(trimmed)) return trimmed;
  if (/^https?:\/\//.test(trimmed)) return trimmed.replace(/^http/, "ws");
  if (/^\d+$/.test(trimmed)) return `ws://127.0.0.1:${trimmed}`;
  return `ws://${trimmed}`;
}

const FRAMEWORK_PATH_AT_END = new RegExp(`${INTERNAL_SOCKET_PATH}$`);

function withoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** The access token a URL carries in its query (`http://127.0.0.1:9000/?token=T`), if any. */
export function tokenInUrl(portOrUrl: number | string): string | undefined {
  if (typeof portOrUrl !== "string") return undefined;
  const start = portOrUrl.indexOf("?");
  const hash = portOrUrl.indexOf("#");
  // A `?` inside the fragment (`…/#x?token=T`) is not a query: the fragment never reaches a server.
  if (start === -1 || (hash !== -1 && hash < start)) return undefined;
  // An empty `?token=` is no token, as an empty CROSSIPC_ACCESS_TOKEN is: that one is then used.
  return new URLSearchParams(portOrUrl.slice(start + 1, hash === -1 ? undefined : hash)).get("token") || undefined;
}

export function httpBase(ws: string): string {
  return ws.replace(/^ws/, "http");
}

/**
 * The most of a refusal read: the hub's reasons are one line. Whatever else holds the port may
 * answer 401 with an endless body, which `response.json()` held until the 2 s timeout (300 to
 * 540 MiB on Node, Bun and Deno, more on a faster machine).
 */
const MAX_REFUSAL_BYTES = 16 * 1024;

/** Asks the framework path over plain HTTP why an upgrade was refused (401/403 carry a reason). */
export async function refusalReason(url: string): Promise<string | undefined> {
  try {
    const { bare, headers } = credentialsApart(url);
    // Not followed: the hub never redirects its framework path, and whatever else holds the port
    // could send the client to any address (another host, a service on the machine) and have
    // that address's answer read as the hub's reason (followed on Node, Bun and Deno before).
    const response = await fetch(bare, { headers, redirect: "manual", signal: AbortSignal.timeout(2000) });
    if (response.status !== 401 && response.status !== 403) {
      await response.body?.cancel();
      return undefined;
    }
    const text = await boundedText(response, MAX_REFUSAL_BYTES);
    if (text === undefined) return `HTTP ${response.status}`;
    const body = JSON.parse(text) as { error?: unknown };
    return typeof body?.error === "string" ? body.error : `HTTP ${response.status}`;
  } catch {
    return undefined;
  }
}

/**
 * A `user:password@` of the URL as the `Authorization: Basic` header the upgrade carried (Bun's
 * and Deno's fetch make it themselves; Node's refuses a URL with credentials, so a refusal there
 * went unread and `connect()` rejected with `ERR_IPC_CONNECT` where the others said why).
 */
function credentialsApart(url: string): { bare: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { bare: url, headers: {} };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = "";
  parsed.password = "";
  return { bare: parsed.href, headers: { authorization: `Basic ${basicCredentials(credentials)}` } };
}

/** `user:password` as `Authorization: Basic` carries it: base64 of its UTF-8. */
export function basicCredentials(userAndPassword: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(userAndPassword)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The body as text, or `undefined` (and the rest left unread) once it passes `maxBytes`. */
async function boundedText(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(concat(chunks, bytes));
}
