import assert from "node:assert/strict";
import { test } from "node:test";
import { connectMocks } from "../../adapters/node.ts";
import { crossipc } from "./_cli.ts";
import { startServer } from "./_helpers.ts";

// A path pattern the router refuses is bad input like a negative latency: a TypeError naming it
// from server.fault, the same message from another process and the REST API, exit 2 from the CLI,
// and nothing added anywhere.
test("a fault path the router refuses: TypeError naming it everywhere, exit 2 from the CLI, nothing added", async (t) => {
  const server = await startServer(t, { dashboard: true });
  for (const path of ["/a/:", "/a/:x/:x"]) {
    assert.throws(() => server.fault({ path }, { status: 503 }), (error: Error) => error instanceof TypeError && error.message.includes(`fault match path ${JSON.stringify(path)} is refused`), path);

    const mocks = await connectMocks(server.getPort());
    t.after(() => mocks.close());
    await assert.rejects(mocks.scope().fault({ path }, { status: 503 }), (error: Error) => error.message.includes(`fault match path ${JSON.stringify(path)} is refused`));

    const posted = await fetch(`${server.getUrl()}/__crossipc/api/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: { path }, fault: { status: 503 } }),
    });
    assert.equal(posted.status, 400);
    assert.match((await posted.json()).error, /fault match path .* is refused/);

    const cli = await crossipc(["fault", "--path", path, "--status", "503"], { CROSSIPC_HUB_PORT: String(server.getPort()) });
    assert.equal(cli.code, 2, cli.stderr);
    assert.match(cli.stderr, /fault match path .* is refused/);
  }
  assert.deepEqual(server.faults(), []);
});
