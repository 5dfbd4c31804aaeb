/**
 * A Node hub's refusal of a WebSocket upgrade (a 404 for a path nothing serves, a fault's status,
 * a mock's refusal, a 401/403 on the framework path), as crossws writes it: by hand, its status
 * line, the Response's own headers, the body, then the end of the connection. Nothing there says
 * where the body ends or that the connection closes: the hub's JSON refusal went with neither
 * `content-length` nor `connection: close`, where a Bun or Deno hub sends its length (their
 * servers write the Response). A client reading the answer as HTTP/1.1 could only take the body
 * to end with the connection.
 *
 * Here the answer gets its length (`sizedAnswerNode`: read when it is whole by the end of the
 * turn, as any handler's answer on a Node hub), `connection: close` (crossws ends the connection
 * after it: Node's parser has let go of an upgraded socket, so it cannot serve another request),
 * and the standard reason phrase where it has none (`_node-reason-phrase.ts`: crossws writes the
 * Response's `statusText`, `""` unless given, so `HTTP/1.1 404 ` where Bun and Deno say `Not Found`).
 */
import { STATUS_CODES } from "node:http";
import { sizedAnswerNode } from "./_node-sized-answer.ts";

export async function upgradeRefusalNode(refusal: Response): Promise<Response> {
  const sized = await sizedAnswerNode(refusal);
  const headers = new Headers(sized.headers);
  headers.set("connection", "close");
  const statusText = sized.statusText || STATUS_CODES[sized.status] || "";
  return new Response(sized.body, { status: sized.status, statusText, headers });
}
