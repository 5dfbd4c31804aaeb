/**
 * Request headers without building a Web `Headers` object where the runtime already has them:
 * on Node, srvx exposes the IncomingMessage, whose lower-cased (null-prototype) `headers` record
 * and `rawHeaders` list are built before any handler runs; srvx builds `request.headers` from
 * them only when asked. Elsewhere `request.headers` is the runtime's own and is read as it is.
 * The one place that reaches into srvx's Node request.
 */
import { headerRecord } from "./_journalRecord.ts";

/** What srvx's Node adapter attaches to a request (typed loosely: node: types stay out of src/). */
interface NodeIncoming {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawHeaders: string[];
}

/** Reads one lower-case header name; `null`/`undefined` when absent. */
export type HeaderGetter = (name: string) => string | null | undefined;

/** The IncomingMessage behind a request on Node; `undefined` on other runtimes. */
function nodeIncoming(request: Request): NodeIncoming | undefined {
  return (request as { runtime?: { node?: { req?: NodeIncoming } } }).runtime?.node?.req;
}

/** A reader of the request's headers, for code that reads several (the scope of a request). */
export function headerGetter(request: Request): HeaderGetter {
  const node = nodeIncoming(request)?.headers;
  if (node) return (name) => joined(name, node[name]);
  const headers = request.headers;
  return (name) => headers.get(name);
}

/** One header of the request; `undefined` when absent. */
export function requestHeader(request: Request, name: string): string | undefined {
  const node = nodeIncoming(request)?.headers;
  if (node) return joined(name, node[name]);
  return request.headers.get(name) ?? undefined;
}

/**
 * Lower-cased headers as a record (what an `interceptHttp` handler gets). On Node it is the
 * IncomingMessage's own, already built and what the original passed; elsewhere one copy.
 */
export function headersRecord(request: Request): Record<string, string> {
  return (nodeIncoming(request)?.headers as Record<string, string> | undefined) ?? headerRecord(request.headers)!;
}

/** The raw name/value list on Node (the journal keeps it by reference), else the `Headers`. */
export function rawHeaders(request: Request): string[] | Headers {
  return nodeIncoming(request)?.rawHeaders ?? request.headers;
}

/** Node joins repeated headers itself, except these few it keeps as a list; joined as `Headers` would (a cookie with `; `). */
function joined(name: string, value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(name === "cookie" ? "; " : ", ") : value;
}
