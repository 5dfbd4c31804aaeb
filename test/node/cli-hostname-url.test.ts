/**
 * `--hostname` given a URL with a password (`alice:secret@127.0.0.1`, as one gives a client's URL)
 * is refused without repeating it: before, `crossipc status`/`journal`/`fault` printed "no hub
 * answers at http://[alice:secret@127.0.0.1]:9000" and `crossipc hub` "--hostname
 * alice:secret@127.0.0.1 opens the hub beyond this machine", password and all.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { crossipc } from "./_cli.ts";
import { deadPort } from "./_helpers.ts";

const PASSWORD = "pa55w0rd-secret";

test("every command refuses a --hostname that holds user:password@, and does not print it", async () => {
  const port = String(await deadPort());
  const hostname = `alice:${PASSWORD}@127.0.0.1`;
  const runs: Array<[string[], Record<string, string>]> = [
    [["status", "--hostname", hostname, "--port", port], {}],
    [["journal", "--hostname", hostname, "--port", port], {}],
    [["fault", "--list", "--hostname", hostname, "--port", port], {}],
    [["hub", "--hostname", hostname, "--port", port], {}],
    [["hub", "--port", port], { CROSSIPC_HOSTNAME: hostname }],
  ];
  for (const [args, env] of runs) {
    const { code, stdout, stderr } = await crossipc(args, env);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.match(stderr, /(--hostname|CROSSIPC_HOSTNAME) takes a host name or IP address .*holds a user:password@ \(not shown\)/);
    assert.ok(!`${stdout}${stderr}`.includes(PASSWORD), `${args.join(" ")}: ${stderr}`);
  }
});
