/**
 * The logger was shown secrets by name only (`?token=`, `?access_token=`), where the journal
 * redacts the hub's access token and dashboard key by value, under any name and in a path: a
 * request carrying them to a service (`/svc/T?key=T`) that failed logged the target as it came,
 * and so did a throwing intercept route, a throwing resolver, and a route a service registered.
 * Every line the server and a ServiceHub write now reads `[redacted]` for them, as the journal
 * does (src/server/_logRedaction.ts over the journal's own src/server/_redact.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCClient, ServiceHub } from "../../adapters/node.ts";
import { deadPort, startServer } from "./_helpers.ts";

const TOKEN = "hub-token-4f9a2c71e0";

/** A logger that keeps every line, its arguments as text (an error's message and stack too). */
function keeper() {
  const lines: string[] = [];
  const keep = (message: string, ...args: unknown[]) =>
    lines.push([message, ...args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : String(arg)))].join(" "));
  return { lines, logger: { debug: keep, info: keep, warn: keep, error: keep } };
}

test("the access token reads [redacted] in every log line: a failed proxy's target, a throwing intercept route and resolver, under any name", async (t) => {
  const port = await deadPort();
  const { lines, logger } = keeper();
  const server = await startServer(t, { logger, accessToken: TOKEN });
  server.setRouteProxyResolver((path) => {
    if (path.startsWith("/resolver/")) throw new Error(`no target for ${path}`);
    return `http://127.0.0.1:${port}`;
  });
  server.interceptHttp("GET", "/boom/:x", (_body, params) => {
    throw new Error(`cannot serve ${params.x}`);
  });
  for (const path of [`/svc/${TOKEN}/a?key=${TOKEN}&page=2`, `/boom/${TOKEN}`, `/resolver/${encodeURIComponent(TOKEN)}`]) {
    const response = await fetch(server.getUrl() + path);
    await response.text();
    assert.ok(response.status >= 500, `${path}: ${response.status}`);
  }
  const said = lines.join("\n");
  assert.match(said, /Proxy to http:\/\/127\.0\.0\.1:\d+\/svc\/\[redacted\]\/a\?key=\[redacted\]&page=2 failed \(502\)/, said);
  assert.match(said, /Intercept route GET \/boom\/\[redacted\] threw cannot serve \[redacted\]/, said);
  assert.match(said, /Route proxy resolver threw for \/resolver\/\[redacted\] no target for \/resolver\/\[redacted\]/, said);
  assert.doesNotMatch(said, new RegExp(TOKEN));
});

test("the dashboard key of a server without a token reads [redacted] in its log lines too", async (t) => {
  const port = await deadPort();
  const { lines, logger } = keeper();
  const server = await startServer(t, { logger, dashboard: true });
  const key = decodeURIComponent(server.getDashboardUrl().split("#key=")[1]!);
  server.setRouteProxyResolver(() => `http://127.0.0.1:${port}`);
  const response = await fetch(`${server.getUrl()}/svc?dashboard=${encodeURIComponent(key)}`);
  await response.text();
  assert.equal(response.status, 502);
  const said = lines.join("\n");
  assert.match(said, /Proxy to http:\/\/127\.0\.0\.1:\d+\/svc\?dashboard=\[redacted\] failed/, said);
  assert.ok(!said.includes(key) && !said.includes(encodeURIComponent(key)), said);
});

test("a ServiceHub's route lines read [redacted] for the hub's token in a service's URL", async (t) => {
  const { lines, logger } = keeper();
  const hub = new ServiceHub(0, { logger, accessToken: TOKEN });
  await hub.start();
  t.after(() => hub.teardown());
  const client = new IPCClient(hub.getPort(), { accessToken: TOKEN });
  await client.connect();
  t.after(() => client.disconnect());
  await client.sendFrameworkRequest("discovery/register" as never, [{ api: "files", baseUrl: `http://127.0.0.1:1/${TOKEN}`, pathPrefix: "/files" }] as never);
  const said = lines.join("\n");
  assert.match(said, /Added route: \/files \(files\) -> http:\/\/127\.0\.0\.1:1\/\[redacted\]/, said);
  assert.doesNotMatch(said, new RegExp(TOKEN));
});
