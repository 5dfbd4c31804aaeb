/**
 * A C1 control in what the hub recorded (U+009B, CSI, in a body or a header a client sent) is
 * printed escaped (`\u009b`) by `crossipc journal --har` and by `--json` of `journal`, `status`
 * and `fault`, as JSON escapes C0 ones: it reached the terminal raw (JSON.stringify leaves
 * U+0080–U+009F as they are), and `--har` now refuses raw C1 from a server that is not a hub.
 * The JSON means the same to a parser.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { IPCServer } from "../../adapters/node.ts";
import { crossipc } from "./_cli.ts";

const CSI = "\u009b";

test("crossipc journal --har and --json print a recorded C1 control escaped, the same JSON to a parser", async (t) => {
  const hub = new IPCServer(0, { dashboard: true, journal: { bodies: true } });
  assert.equal(await hub.start(), true);
  t.after(() => hub.teardown());
  hub.interceptHttp("POST", "/echo", (body) => body);
  hub.fault({ path: `/c1-${CSI}31m` }, { latency: 1 });
  const body = JSON.stringify({ text: `red ${CSI}31m here` });
  assert.equal((await fetch(`${hub.getUrl()}/echo`, { method: "POST", headers: { "content-type": "application/json" }, body })).status, 200);

  const har = await crossipc(["journal", "--har", "--port", String(hub.getPort())]);
  assert.equal(har.code, 0, har.stderr);
  assert.ok(!har.stdout.includes(CSI), "a raw C1 control in the HAR");
  assert.match(har.stdout, /\\u009b31m/);
  assert.equal(JSON.parse(JSON.parse(har.stdout).log.entries[0].request.postData.text).text, `red ${CSI}31m here`);

  for (const args of [["journal", "--json"], ["status", "--json"], ["fault", "--list", "--json"]]) {
    const run = await crossipc([...args, "--port", String(hub.getPort())]);
    assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
    assert.ok(!run.stdout.includes(CSI), `${args.join(" ")}: a raw C1 control`);
    assert.match(run.stdout, /\\u009b31m/, args.join(" "));
  }
});
