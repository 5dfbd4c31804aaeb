/**
 * The browser client's errors against hubs of every runtime (README's Errors table): a request
 * no handler takes, a timeout, a frame past the hub's `maxMessageSize` (the hub closes with 1009),
 * and the hub stopping while a request is pending (`ERR_IPC_CLOSED`, onClose).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { start, type Runtime } from "../matrix/_spawn.ts";
import { bundleClient, launch, openPage, staticSite } from "./_browser.ts";

let browser: Browser;
let bundle: string;
before(async () => {
  browser = await launch();
  bundle = (await bundleClient(`import { IPCClient } from "crossipc/client"; window.IPCClient = IPCClient;`)).code;
});
after(() => browser?.close());

for (const runtime of ["node", "bun", "deno"] as Runtime[]) {
  test(`${runtime} hub: a page's requests fail with README's codes, and the hub stopping ends its pending one`, async (t) => {
    const site = await staticSite(t, {
      "/": { type: "text/html", body: '<!doctype html><title>app</title><script src="/client.js"></script>' },
      "/client.js": { type: "text/javascript", body: bundle },
    });
    const hub = start(runtime, "test/fixtures/browser-hub.ts", ["--origin", site, "--max-message-size", "4096"], { denoPermissions: ["--allow-net=127.0.0.1"] });
    t.after(async () => {
      hub.proc.stdin.end();
      await hub.exited;
    });
    const { port } = await hub.nextJson<{ port: number }>(20_000, "the hub's port");
    const { page, problems } = await openPage(browser, t);
    await page.goto(`${site}/`);
    const fail = `(p) => p.then((v) => ({ answered: v }), (e) => ({ code: e.code, message: e.message }))`;
    const first = (await page.evaluate(`(async () => {
      const fail = ${fail};
      const client = new IPCClient(${port});
      await client.connect("tab");
      const doubled = await client.sendFrameworkRequest("page/double", { n: 21 });
      const unknown = await fail(client.sendFrameworkRequest("page/nobody", 1));
      const timeout = await fail(client.sendFrameworkRequest("page/never", null, 200));
      const oversize = await fail(client.sendFrameworkRequest("page/double", { n: 1, pad: "x".repeat(10000) }));
      return { doubled, unknown, timeout, oversize, connected: client.isConnected() };
    })()`)) as { doubled: number; unknown: object; timeout: object; oversize: { code: string; message: string }; connected: boolean };
    assert.equal(first.doubled, 42);
    assert.deepEqual(first.unknown, { code: "ERR_IPC_REMOTE", message: "No handler for: page/nobody" });
    assert.deepEqual(first.timeout, { code: "ERR_IPC_TIMEOUT", message: "Request 'page/never' timed out after 200ms" });
    assert.equal(first.oversize.code, "ERR_IPC_CLOSED");
    assert.match(first.oversize.message, /Connection closed.*1009/);
    assert.equal(first.connected, false);

    const pending = page.evaluate(`(async () => {
      const fail = ${fail};
      const client = new IPCClient(${port});
      await client.connect("tab-2");
      const closed = new Promise((resolve) => client.onClose(() => resolve(true)));
      window.sent = true;
      const outcome = await fail(client.sendFrameworkRequest("page/never", null, 20000));
      return { ...outcome, closed: await closed };
    })()`);
    await page.waitForFunction("window.sent === true", { timeout: 5000 });
    hub.proc.stdin.end();
    const gone = (await pending) as { code: string; message: string; closed: boolean };
    assert.equal(gone.code, "ERR_IPC_CLOSED");
    assert.match(gone.message, /Connection closed.*1001/);
    assert.equal(gone.closed, true);
    assert.deepEqual(problems.filter((p) => !/WebSocket/.test(p)), []);
  });
}
