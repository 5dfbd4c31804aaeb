import type { FaultInfo } from "../faults/_types.ts";

/** What the faults API needs from the server. */
export interface FaultsSource {
  /** Checks and adds a fault (throws a TypeError naming bad input). */
  add(match: unknown, fault: unknown): FaultInfo;
  list(): FaultInfo[];
  remove(id: string): boolean;
  /** Removes every fault; returns how many. */
  clear(): number;
}

const PREFIX = "/__crossipc/api/faults";
/** A fault is a few hundred bytes; nothing larger is read. */
const MAX_BODY = 64 * 1024;

/**
 * `/__crossipc/api/faults`: POST `{match, fault}` → 201 `{id, match, fault, hits}`, GET →
 * `{faults}`, DELETE one by id or all. Reached only past the dashboard's access check. A POST
 * must say `content-type: application/json`: a page of another site can send a "simple"
 * request (form or text/plain) without asking first, never a JSON one.
 * Returns `undefined` for paths that are not its own.
 */
export async function faultsApi(
  request: Request,
  path: string,
  source: FaultsSource,
  json: (status: number, body: unknown) => Response,
): Promise<Response | undefined> {
  if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return undefined;
  const id = path.length > PREFIX.length + 1 ? decodedId(path.slice(PREFIX.length + 1)) : undefined;
  const method = request.method;
  if (id === undefined && (method === "GET" || method === "HEAD")) return json(200, { faults: source.list() });
  if (id === undefined && method === "DELETE") return json(200, { removed: source.clear() });
  if (id !== undefined && method === "DELETE") {
    return source.remove(id) ? json(200, { removed: 1 }) : json(404, { error: `No fault with id '${id.slice(0, 64)}'` });
  }
  if (id !== undefined && method === "GET") {
    const fault = source.list().find((f) => f.id === id);
    return fault ? json(200, fault) : json(404, { error: `No fault with id '${id.slice(0, 64)}'` });
  }
  if (id === undefined && method === "POST") {
    const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json") return json(415, { error: "POST /__crossipc/api/faults takes JSON only: send content-type: application/json" });
    const body = await readJson(request);
    if ("error" in body) return json(body.status, { error: body.error });
    const value = body.value as { match?: unknown; fault?: unknown } | null;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return json(400, { error: 'Expected {"match": {...}, "fault": {...}}' });
    for (const key of Object.keys(value)) {
      if (key !== "match" && key !== "fault") return json(400, { error: `Unknown key '${key.slice(0, 40)}': expected {"match": {...}, "fault": {...}}` });
    }
    try {
      return json(201, source.add(value.match, value.fault));
    } catch (error) {
      return json(400, { error: (error as Error).message });
    }
  }
  return json(405, { error: `${method} is not allowed on ${path}` });
}

async function readJson(request: Request): Promise<{ value: unknown } | { error: string; status: number }> {
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_BODY) return { error: `Body over ${MAX_BODY} bytes`, status: 413 };
  let text = "";
  const reader = request.body?.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BODY) {
      void reader.cancel();
      return { error: `Body over ${MAX_BODY} bytes`, status: 413 };
    }
    text += decoder.decode(value, { stream: true });
  }
  text += decoder.decode();
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: "Body is not valid JSON", status: 400 };
  }
}

/** A fault id from the path; one whose escapes do not decode (`%E0%A4%A`) is kept as sent: no fault has it, so it is a 404, not a throw (an empty 500). */
function decodedId(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
