/**
 * Pages served through the hub, in a real Chromium: a blog proxied at /blog has the dashboard's
 * own origin, yet cannot read the journal, the state or the live stream, nor clear the journal,
 * with or without a token; its service worker cannot take the dashboard's scope. The dashboard
 * URL the hub prints (`crossipc hub`, built) works in the same browser, and `crossipc status`
 * and `crossipc journal` work with no flags but the port.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import type { Browser, Page } from "puppeteer-core";
import { HubRequests, IPCClient, IPCServer } from "../../adapters/node.ts";
import { ROOT } from "../matrix/_spawn.ts";
import { deadPort } from "../matrix/_backend.ts";
import { startBackend, startServer } from "../node/_helpers.ts";
import { assertProblems, launch, openPage } from "./_browser.ts";

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

const BLOG_HTML = "<!doctype html><title>blog</title><h1>a blog</h1>";
const WORKER_JS = "self.addEventListener('fetch', () => {});";

/** The blog: a page, and service worker scripts at the root and in its own folder. */
async function blogBackend(t: { after(fn: () => unknown): void }) {
  return startBackend(t, (req, res) => {
    if (req.url!.endsWith(".js")) res.writeHead(200, { "content-type": "text/javascript" }).end(WORKER_JS);
    else res.writeHead(200, { "content-type": "text/html" }).end(BLOG_HTML);
  });
}

/**
 * What a script on the blog page tries against the dashboard. A string, not a function: tsx's
 * transform would add helpers the page does not have.
 */
const ATTACK = `(async () => {
  async function read(path, init) {
    try {
      const response = await fetch(path, init);
      const text = response.status === 200 && path.endsWith("events")
        ? await response.body.getReader().read().then((c) => new TextDecoder().decode(c.value))
        : await response.text();
      return response.status + " " + text.slice(0, 60);
    } catch (error) {
      return "blocked: " + error.name;
    }
  }
  const worker = async (url, scope) => {
    try {
      const registration = await navigator.serviceWorker.register(url, scope ? { scope } : undefined);
      return "registered " + registration.scope;
    } catch (error) {
      return "refused: " + error.message;
    }
  };
  return {
    journal: await read("/__crossipc/api/journal"),
    state: await read("/__crossipc/api/state"),
    events: await read("/__crossipc/api/events"),
    entry: await read("/__crossipc/api/journal/1"),
    clear: await read("/__crossipc/api/journal", { method: "DELETE" }),
    withToken: await read("/__crossipc/api/journal?token=guess"),
    rootWorker: await worker("/sw.js", "/"),
    ownWorker: await worker("/blog/sw.js"),
  };
})()`;

function assertRefused(outcome: Record<string, string>, origin: string): void {
  for (const what of ["journal", "state", "events", "entry", "clear", "withToken"]) {
    assert.match(outcome[what]!, /^401 \{"error":"This dashboard needs its key/, `${what}: ${outcome[what]}`);
  }
  assert.match(outcome.rootWorker!, /^refused: .*\(403\)/, "a worker whose scope would cover /__crossipc/: the hub answers its script 403");
  assert.equal(outcome.ownWorker, `registered ${origin}/blog/`, "the blog's own worker, in its own folder");
}

/** The journal's own view of what it holds (from this process, a program: no key needed). */
const paths = (server: IPCServer) => server.journal.entries().map((e) => e.path);

test("with a token, a page proxied at /blog can neither read nor clear the dashboard's data", async (t) => {
  const blog = await blogBackend(t);
  const server = await startServer(t, { dashboard: true, accessToken: "s3cret" });
  server.setRouteProxyResolver((path) => (path.startsWith("/blog") || path === "/sw.js" ? blog.url : undefined));
  await fetch(`${server.getUrl()}/blog/secret-post`, { headers: { authorization: "Bearer user-session" } });

  const { page } = await openPage(browser, t);
  await page.goto(`${server.getUrl()}/blog/`);
  assert.equal(await page.$eval("h1", (el) => el.textContent), "a blog");
  const outcome = (await page.evaluate(ATTACK)) as Record<string, string>;
  assertRefused(outcome, server.getUrl());
  assert.ok(paths(server).includes("/blog/secret-post"), "the journal was not cleared");

  // The dashboard's own URL works in the same browser.
  const dashboard = await openDashboard(t, server.getDashboardUrl());
  await dashboard.page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("/blog/secret-post"), { timeout: 5000 });
  assertProblems(dashboard.problems, []);
});

test("crossipc hub (no token): the blog it proxies is refused, the URL it prints works, status and journal need no flags", async (t) => {
  const port = await deadPort();
  const hub = spawn(process.execPath, ["dist/bin/crossipc.js", "hub", "--port", String(port), "--json"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => hub.kill("SIGKILL"));
  let out = "";
  let err = "";
  hub.stderr.setEncoding("utf8").on("data", (chunk) => (err += chunk));
  const started = await new Promise<{ dashboard: string; url: string }>((resolve, reject) => {
    hub.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      // Whole lines only: the started line may arrive in pieces, and half of it is not JSON.
      const line = out.split("\n").slice(0, -1).find((l) => l.includes('"event":"started"'));
      if (line) resolve(JSON.parse(line));
    });
    hub.once("exit", (code) => reject(new Error(`crossipc hub exited ${code}: ${err}`)));
  });
  assert.match(started.dashboard, /\/__crossipc\/#key=[0-9a-f]{32}$/);

  const blog = await blogBackend(t);
  const service = new IPCClient(port, { heartbeatInterval: 0 });
  await service.connect("blog-service");
  t.after(() => service.disconnect());
  await service.sendFrameworkRequest(HubRequests.register, [
    { api: "blog", baseUrl: blog.url, pathPrefix: "/blog" },
    // One entry per (api, baseUrl): the root worker script is another api.
    { api: "blog-worker", baseUrl: blog.url, pathPrefix: "/sw.js" },
  ]);
  await fetch(`${started.url}/blog/secret-post`, { headers: { cookie: "session=abc" } });

  const { page } = await openPage(browser, t);
  await page.goto(`${started.url}/blog/`);
  assert.equal(await page.$eval("h1", (el) => el.textContent), "a blog");
  assertRefused((await page.evaluate(ATTACK)) as Record<string, string>, started.url);

  const dashboard = await openDashboard(t, started.dashboard);
  await dashboard.page.waitForFunction(() => document.querySelector("#journal tbody")!.textContent!.includes("/blog/secret-post"), { timeout: 5000 });
  assert.match(await dashboard.page.$eval("#services tbody", (el) => el.textContent!), /blog/);
  assertProblems(dashboard.problems, []);

  // Without the key the page says what to open.
  const bare = await openPage(browser, t);
  await bare.page.goto(`${started.url}/__crossipc/`);
  await bare.page.waitForFunction(() => document.getElementById("live")!.textContent!.includes("needs its key"), { timeout: 5000 });

  const status = await run(["status", "--port", String(port)]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /services \(2\)\n {2}blog /);
  assert.doesNotMatch(status.stdout, new RegExp(started.dashboard.split("#key=")[1]!), "status prints no key");
  const journal = await run(["journal", "--port", String(port), "--path", "/blog/*"]);
  assert.equal(journal.code, 0, journal.stderr);
  assert.match(journal.stdout, /GET \/blog\/secret-post → proxy/);
});

/** Opens a dashboard URL and waits until its live stream is connected. */
async function openDashboard(t: { after(fn: () => unknown): void }, url: string): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPage(browser, t);
  await opened.page.goto(url);
  await opened.page.waitForSelector("#live.on", { timeout: 5000 });
  return opened;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["dist/bin/crossipc.js", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
