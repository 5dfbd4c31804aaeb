/**
 * A server URL with a query or a fragment (`http://127.0.0.1:9000/?token=T`, as the framework
 * path takes the token; the dashboard URL the hub prints, `…/__crossipc/#key=…`, less its page)
 * reaches the server: the query is not part of the address, and its `token` is the access token
 * when none is given. Before, the query stayed in the base and the framework path went after it:
 * `connectMocks("http://127.0.0.1:9000/?token=T")` upgraded `/` and failed with "Unexpected
 * server response: 404".
 */
import assert from "node:assert/strict";
import test from "node:test";
import { connectMocks, IPCClient } from "../../adapters/node.ts";
import { startServer } from "./_helpers.ts";

test("a URL's query and fragment are not part of the address; its token is the access token", async (t) => {
  const server = await startServer(t, { accessToken: "tk" });
  const base = `http://127.0.0.1:${server.getPort()}`;
  for (const url of [`${base}/?token=tk`, `${base}?token=tk#key=x`, `ws://127.0.0.1:${server.getPort()}/__ggFrameworkConnection?token=tk`]) {
    const client = new IPCClient(url);
    await client.connect();
    assert.equal(client.isConnected(), true, url);
    await client.disconnect();
  }
  const mocks = await connectMocks(`${base}/?token=tk`);
  await mocks.intercept("GET", "/x", () => "mocked");
  assert.equal(await (await fetch(`${base}/x`)).text(), '"mocked"');
  await mocks.close();
  // An accessToken given wins over the URL's; a wrong one is refused as any wrong token is.
  await assert.rejects(connectMocks(`${base}/?token=tk`, { token: "wrong" }), { code: "ERR_IPC_UNAUTHORIZED" });
  const withOther = new IPCClient(`${base}/?other=1`, { accessToken: "tk" });
  await withOther.connect();
  await withOther.disconnect();
});

test("an empty ?token= in the URL is no token: CROSSIPC_ACCESS_TOKEN is used, as for an empty variable", async (t) => {
  const server = await startServer(t, { accessToken: "tk" });
  const before = process.env["CROSSIPC_ACCESS_TOKEN"];
  process.env["CROSSIPC_ACCESS_TOKEN"] = "tk";
  t.after(() => {
    if (before === undefined) delete process.env["CROSSIPC_ACCESS_TOKEN"];
    else process.env["CROSSIPC_ACCESS_TOKEN"] = before;
  });
  const client = new IPCClient(`http://127.0.0.1:${server.getPort()}/?token=`);
  await client.connect();
  assert.equal(client.isConnected(), true);
  await client.disconnect();
});

test("a ?token= inside the fragment (…/#x?token=T) is not the access token: the fragment never reaches a server", async (t) => {
  const server = await startServer(t, { accessToken: "tk" });
  const base = `http://127.0.0.1:${server.getPort()}`;
  await assert.rejects(new IPCClient(`${base}/#x?token=tk`).connect(), { code: "ERR_IPC_UNAUTHORIZED" });
  await assert.rejects(connectMocks(`${base}/#x?token=tk`), { code: "ERR_IPC_UNAUTHORIZED" });
  const client = new IPCClient(`${base}/?token=tk#x?token=other`);
  await client.connect();
  await client.disconnect();
});
