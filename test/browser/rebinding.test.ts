/**
 * A real DNS-rebinding page in Chromium: `evil.test` resolves to 127.0.0.1 (as a rebound name
 * does), the attacker's page loads from `http://evil.test:P/`, its server goes away and a hub
 * takes port P. The page is now same-origin with the hub, so the browser hides nothing from it:
 * only the hub's Host check stands between it and the dashboard's API, the routes and services
 * behind the hub, and the framework connection. Simple requests (a form, a beacon, includes)
 * from a page of another site are refused as well.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { IPCServer } from "../../adapters/node.ts";
import { startBackend, startServer, waitFor } from "../node/_helpers.ts";
import { launch, openPage, staticSite } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch(["--host-resolver-rules=MAP evil.test 127.0.0.1"]);
});
after(() => browser?.close());

/** What the page tries, same-origin: each answer's status and the start of its text. A string: tsx's helpers are not in the page. */
const SAME_ORIGIN_ATTACK = `(async () => {
  async function attempt(path, init) {
    try {
      const response = await fetch(path, init);
      return response.status + " " + (await response.text()).slice(0, 40);
    } catch (error) {
      return "blocked " + error.name;
    }
  }
  const json = JSON.stringify({ match: { path: "/pay" }, fault: { status: 503 } });
  const socket = await new Promise((resolve) => {
    const ws = new WebSocket(location.origin.replace("http", "ws") + "/__ggFrameworkConnection?runtimeId=evil");
    ws.onopen = () => resolve("open");
    ws.onerror = () => resolve("refused");
  });
  return {
    state: await attempt("/__crossipc/api/state"),
    journal: await attempt("/__crossipc/api/journal"),
    har: await attempt("/__crossipc/api/journal.har"),
    events: await attempt("/__crossipc/api/events"),
    addFault: await attempt("/__crossipc/api/faults", { method: "POST", headers: { "content-type": "application/json" }, body: json }),
    clearJournal: await attempt("/__crossipc/api/journal", { method: "DELETE" }),
    route: await attempt("/secret"),
    service: await attempt("/users/1"),
    socket,
  };
})()`;

test("a page whose name rebinds to 127.0.0.1 reads nothing and changes nothing once a hub holds its port", async (t) => {
  // The attacker's server answers the first lookup of evil.test:P.
  const attacker = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>cats</title>"));
  attacker.listen(0, "127.0.0.1");
  await once(attacker, "listening");
  const port = (attacker.address() as AddressInfo).port;
  const { page } = await openPage(browser, t);
  await page.goto(`http://evil.test:${port}/`);
  attacker.closeAllConnections();
  await new Promise((resolve) => attacker.close(resolve));

  const users = await startBackend(t, (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"user":"private"}'));
  const hub = new IPCServer(port, { dashboard: true });
  assert.equal(await hub.start(), true, "the hub took the attacker's port");
  t.after(() => hub.teardown());
  hub.interceptHttp("GET", "/secret", () => ({ secret: 42 }));
  hub.setRouteProxyResolver((path) => (path.startsWith("/users") ? users.url : undefined));
  const kept = hub.fault({ path: "/kept" }, { latency: 1 });
  await fetch(`${hub.getUrl()}/secret`, { headers: { authorization: "Bearer user-token" } });

  const outcome = (await page.evaluate(SAME_ORIGIN_ATTACK)) as Record<string, string>;
  const refused = `403 ${`{"error":"Host 'evil.test:${port}' is not allowed`.slice(0, 40)}`;
  for (const what of ["state", "journal", "har", "events", "addFault", "clearJournal", "route", "service"]) {
    assert.equal(outcome[what], refused, `${what}: ${outcome[what]}`);
  }
  assert.equal(outcome["socket"], "refused");
  assert.deepEqual(hub.faults().map((f) => f.id), [kept.id], "no fault added");
  assert.deepEqual(hub.journal.entries().map((e) => e.path), ["/secret"], "nothing cleared, and nothing of the page's recorded");
});

test("a page of another site: forms, beacons and includes of the dashboard's API are refused by the hub, not only hidden by the browser", async (t) => {
  const warnings: string[] = [];
  const server = await startServer(t, { dashboard: true, logger: { warn: (message) => warnings.push(message) } });
  const hub = server.getUrl();
  const fault = '{"match":{"path":"/pay"},"fault":{"status":503},"x":"';
  const site = await staticSite(t, {
    "/": {
      type: "text/html",
      body: `<!doctype html><title>evil</title>
        <iframe name="sink-plain"></iframe><iframe name="sink-urlencoded"></iframe>
        <form id="plain" method="POST" enctype="text/plain" target="sink-plain" action="${hub}/__crossipc/api/faults"><input name='${fault}' value='"}'></form>
        <form id="urlencoded" method="POST" target="sink-urlencoded" action="${hub}/__crossipc/api/journal"><input name="a" value="b"></form>
        <img src="${hub}/__crossipc/api/journal.har"><script src="${hub}/__crossipc/api/state"></script><link rel="stylesheet" href="${hub}/__crossipc/api/journal">`,
    },
  });
  const { page } = await openPage(browser, t);
  await page.goto(`${site}/`);
  await page.evaluate(`(async (hub) => {
    navigator.sendBeacon(hub + "/__crossipc/api/faults", new Blob([${JSON.stringify(fault + '"}')}], { type: "text/plain" }));
    // A frame each: a second navigation of one frame cancels the first, maybe before it is sent.
    document.getElementById("plain").submit();
    document.getElementById("urlencoded").submit();
  })(${JSON.stringify(hub)})`);
  const refusals = () => warnings.filter((w) => /Dashboard request .* refused: (Origin|A [a-z-]+ page)/.test(w)).length;
  // The image, the script, the stylesheet, the beacon and the two forms.
  await waitFor(() => refusals() === 6, `six refusals, got: ${warnings.join("\n")}`);
  assert.deepEqual(server.faults(), [], "no fault added");
});
