/** Compile-time checks of the mocks API (SPEC §10), run by `tsc -p tsconfig.json`. */
import { connectMocks, passthrough, scopeHeaders, type JournalEntry, type MockRule, type MockScope, type Mocks, type RuleInfo } from "../../adapters/node.ts";

export async function typed(): Promise<void> {
  const mocks: Mocks = await connectMocks(9000, { token: "t", runtimeId: "spec-1" });
  const scope: MockScope = mocks.scope();
  const headers: Record<string, string> = scope.headers;
  const rule: MockRule = await scope.intercept("GET", "/users/:id", (body, params, requestHeaders) => ({ id: params.id, body, auth: requestHeaders.authorization }));
  await scope.interceptRequest("POST", "/orders", async (request, params) => (request.method === params.x ? passthrough() : new Response("no", { status: 409 })));
  // An async handler that only hands on: TypeScript widened `unique symbol` to `symbol` in its
  // inferred return type, and these did not type-check (tsc, deno test) before passthrough()'s
  // type was branded.
  await scope.interceptRequest("POST", "/orders", async () => passthrough());
  await scope.interceptRequest("POST", "/orders", async (request) => { await request.text(); return passthrough(); });
  await scope.interceptWebSocket("/live", async () => passthrough());
  await mocks.intercept("GET", "/users/:id", async () => passthrough());
  // @ts-expect-error neither a symbol nor an object is passthrough()
  await scope.interceptRequest("POST", "/orders", async () => Symbol("pass"));
  // @ts-expect-error interceptRequest's handler answers a Response or passthrough(), not data
  await scope.interceptRequest("POST", "/orders", () => ({ data: 1 }));
  const calls: number = rule.calls;
  await rule.remove();
  const forwarded: Record<string, string> = scopeHeaders(new Request("http://x/"));
  // A node:http service's own request (IncomingMessage) is taken as it is.
  const incoming = {} as import("node:http").IncomingMessage;
  void scopeHeaders(incoming);
  const entryScope: JournalEntry["scope"] = null;
  const info: RuleInfo["scope"] = scope.id;
  void [headers, calls, forwarded, entryScope, info];
  await using disposable = mocks.scope("t-1");
  void disposable;
  await mocks.close();
}
