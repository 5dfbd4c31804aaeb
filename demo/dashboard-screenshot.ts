/**
 * Takes docs/dashboard.png: a hub with real traffic (services registering over the framework
 * connection, proxied requests to real backends, intercepted mocks, a 404 and a 502), the
 * dashboard open in headless Chromium with one entry selected.
 *
 *   node --import tsx demo/dashboard-screenshot.ts [out.png]
 *
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import puppeteer from "puppeteer-core";
import { IPCClient, IPCServer, ServiceHub } from "../adapters/node.ts";

const out = process.argv[2] ?? "docs/dashboard.png";
type Entry = { api: string; baseUrl: string; pathPrefix: string };
const register = IPCServer.defineRequest<Entry[], void>("discovery/register");
const reserve = IPCServer.defineRequest<{ sku: string }, { reserved: boolean }>("stock/reserve");
const invalidate = IPCClient.defineRequest<{ key: string }, number>("cache/invalidate");

const serviceHub = new ServiceHub(0, { kind: "bin", dashboard: true, journal: { bodies: true } });
await serviceHub.start();
serviceHub.setRoutingStrategy("orders", "first");
const hub = serviceHub.server;
hub.onFrameworkMessage(reserve, ({ sku }) => ({ reserved: sku !== "sold-out" }));
hub.interceptHttp("POST", "/payments/charge", (body: { amount: number }) => ({ id: "ch_1042", amount: body.amount, status: "succeeded" }));
hub.interceptHttp("GET", "/flags/:name", (_body, params) => ({ flag: params.name, enabled: true }));

async function backend(name: string, handle: (url: string, body: string) => unknown): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c)).on("end", () => {
      res.setHeader("content-type", "application/json");
      res.setHeader("x-served-by", name);
      res.end(JSON.stringify(handle(req.url!, body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const users1 = await backend("users-1", (url) => ({ id: url.split("/")[2], name: "Ada Lovelace", plan: "pro" }));
const users2 = await backend("users-2", (url) => ({ id: url.split("/")[2], name: "Grace Hopper", plan: "team" }));
const orders = await backend("orders-1", (_url, body) => ({ order: 7731, status: "created", ...(body ? JSON.parse(body) : {}) }));

async function service(runtimeId: string, entries: Entry[]): Promise<IPCClient> {
  const client = new IPCClient(hub.getPort());
  await client.connect(runtimeId);
  await client.sendFrameworkRequest(register, entries);
  return client;
}
await service("users-service-1", [{ api: "users", baseUrl: users1, pathPrefix: "/users" }]);
await service("users-service-2", [{ api: "users", baseUrl: users2, pathPrefix: "/users" }]);
const ordersClient = await service("orders-service", [{ api: "orders", baseUrl: orders, pathPrefix: "/orders" }]);
await service("billing-worker", [{ api: "billing", baseUrl: "http://127.0.0.1:1", pathPrefix: "/billing" }]);
ordersClient.onFrameworkRequest(invalidate, () => 3);

const browser = await puppeteer.launch({
  executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium-headless-shell",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
});
const page = await browser.newPage();
await page.setViewport({ width: 1480, height: 1080, deviceScaleFactor: 1 });
await page.goto(serviceHub.getDashboardUrl());
await page.waitForSelector("#live.on");

const base = hub.getUrl();
const json = { "content-type": "application/json" };
await fetch(`${base}/users/42`).then((r) => r.text());
await fetch(`${base}/users/43?fields=name,plan`).then((r) => r.text());
await ordersClient.sendFrameworkRequest(reserve, { sku: "kb-101" });
await fetch(`${base}/orders`, { method: "POST", headers: json, body: JSON.stringify({ sku: "kb-101", qty: 2 }) }).then((r) => r.text());
await fetch(`${base}/payments/charge`, { method: "POST", headers: json, body: JSON.stringify({ amount: 4999 }) }).then((r) => r.text());
await fetch(`${base}/flags/new-checkout`).then((r) => r.text());
await hub.sendFrameworkMessage("orders-service", invalidate, { key: "orders:7731" });
await fetch(`${base}/billing/invoices/7731`).then((r) => r.text());
await fetch(`${base}/inventory/kb-101`).then((r) => r.text());
await fetch(`${base}/users/44`).then((r) => r.text());
await fetch(`${base}/orders`, { method: "POST", headers: json, body: JSON.stringify({ sku: "mouse-7", qty: 1 }) }).then((r) => r.text());

await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr[data-id]").length >= 15);
// Select the order that was proxied last, to show the detail pane with its bodies. (A string:
// tsx's transform would add helpers the page does not have.)
await page.evaluate(`[...document.querySelectorAll("#journal tbody tr[data-id]")]
  .find((tr) => tr.textContent.includes("POST/orders")).click()`);
await page.waitForFunction(() => document.getElementById("detail")!.textContent!.includes("Response body"));
await new Promise((resolve) => setTimeout(resolve, 1200)); // one more state tick: uptime and counts
await page.screenshot({ path: out, fullPage: true });
console.log(`wrote ${out}`);
await browser.close();
process.exit(0);
