/**
 * `crossipc hub --token T` never prints T in its log lines: a proxied request that carried it
 * under another name (`/svc/x?key=T`) and failed was logged "warn: Proxy to
 * http://127.0.0.1:P/svc/x?key=T failed (502)" on stderr, into a CI log (the journal redacts it:
 * test/node/redaction-hub-token.test.ts). The start line's dashboard URL keeps its key, which the
 * user asked for.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { IPCClient, HubRequests } from "../../adapters/node.ts";
import { spawnCrossipc } from "./_cli.ts";
import { deadPort, waitFor } from "./_helpers.ts";

const TOKEN = "hub-token-of-this-test-0123";

test("a failed proxy's log line does not print the hub's token, whatever the name it came under", async (t) => {
  const { child, out, err } = spawnCrossipc(["hub", "--port", "0", "--token", TOKEN]);
  t.after(async () => {
    child.kill("SIGINT");
    if (child.exitCode === null) await once(child, "exit");
  });
  await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(out()), "the start line", 20_000);
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out())![1]);
  assert.match(out(), new RegExp(`#key=${TOKEN}`), "the dashboard URL keeps its key");
  const client = new IPCClient(port, { accessToken: TOKEN });
  await client.connect("svc");
  t.after(() => client.disconnect());
  await client.sendFrameworkRequest(HubRequests.register, [{ api: "svc", baseUrl: `http://127.0.0.1:${await deadPort()}`, pathPrefix: "/svc" }]);
  assert.equal((await fetch(`http://127.0.0.1:${port}/svc/x?key=${TOKEN}`)).status, 502);
  await waitFor(() => err().includes("Proxy to"), "the proxy's log line");
  assert.match(err(), /Proxy to http:\/\/127\.0\.0\.1:\d+\/svc\/x\?key=\[redacted\] failed/);
  assert.ok(!err().includes(TOKEN), err());
});
