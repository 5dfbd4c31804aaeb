/**
 * Every number flag of the CLI takes plain decimal digits (with a fraction where one makes
 * sense, whole numbers where a count is meant), as bin/_numberFlag.ts reads them: `Number()` took
 * `--latency 0x10` for 16 ms, `1e3` for 1000, and ` 5`, `5.`, `+5`, `.5` as numbers, and the
 * fault went in with a value nobody typed. Each is refused: exit 2, one line naming the flag.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { crossipc } from "./_cli.ts";
import { startServer } from "./_helpers.ts";
import { readHubFlags } from "../../bin/_hubArgs.ts";
import { resolveHub } from "../../bin/_hub-api.ts";

const NOT_PLAIN = ["0x10", "1e3", " 5", "5 ", "5.", "+5", ".5", "0b11", "Infinity", "5_000"];

test("crossipc fault: --latency, --status, --bandwidth, --probability, --times and --port take plain decimal only", { timeout: 120_000 }, async (t) => {
  const server = await startServer(t, { dashboard: true });
  const env = { CROSSIPC_HUB_PORT: String(server.getPort()) };
  const cases: string[][] = [
    ...NOT_PLAIN.map((value) => ["--latency", value]),
    ["--latency", "0x10-20"],
    ["--latency", "10-1e3"],
    ["--status", "5e2"],
    ["--status", "503.0"],
    ["--bandwidth", "1e6"],
    ["--status", "503", "--probability", ".5"],
    ["--status", "503", "--probability", "5e-1"],
    ["--status", "503", "--times", "2.5"],
    ["--status", "503", "--times", "0x2"],
  ];
  for (const flags of cases) {
    const args = ["fault", "--path", "/a", ...flags];
    const result = await crossipc(args, env);
    const flag = flags.at(-2)!;
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    const [line] = result.stderr.split("\n");
    assert.match(line!, new RegExp(`^crossipc fault: ${flag} must be a (whole )?number.*, got '${escape(flags.at(-1)!)}'`), JSON.stringify(args));
  }
  const port = await crossipc(["fault", "--path", "/a", "--status", "503", "--port", "0x10"]);
  assert.equal(port.code, 2, port.stderr);
  assert.match(port.stderr, /^crossipc fault: --port must be a port number from 1 to 65535, got '0x10' \(plain decimal digits\)\n/);
  assert.deepEqual(server.faults(), [], "nothing was added");

  // Plain decimal still goes in as typed.
  const added = await crossipc(["fault", "--path", "/a", "--latency", "12.5-20", "--probability", "0.5", "--times", "3"], env);
  assert.equal(added.code, 0, added.stderr);
  assert.deepEqual(server.faults().map((fault) => fault.fault), [{ latency: [12.5, 20], probability: 0.5, times: 3 }]);
});

test("crossipc hub's number flags and the hub port variables take plain decimal only", () => {
  const refused: Array<[string[], RegExp]> = [
    ...NOT_PLAIN.map((value): [string[], RegExp] => [["--port", value], /^Error: --port must be a port number \(0-65535\), got '/]),
    ...NOT_PLAIN.map((value): [string[], RegExp] => [["--journal-size", value], /^Error: --journal-size must be a positive whole number, got '/]),
    ...NOT_PLAIN.map((value): [string[], RegExp] => [["--heartbeat", value], /^Error: --heartbeat must be a positive whole number, got '/]),
    [["--record", "a.har", "--max-body", "0x10"], /^Error: --max-body must be a size in bytes such as 1048576 or 10MiB, got '0x10'$/],
    [["--record", "a.har", "--max-body", "1e3KiB"], /^Error: --max-body must be a size in bytes such as 1048576 or 10MiB, got '1e3KiB'$/],
    [["--record", "a.har", "--max-total-body", " 5MiB"], /^Error: --max-total-body must be a size in bytes such as 1048576 or 10MiB, got ' 5MiB'$/],
  ];
  for (const [args, message] of refused) assert.throws(() => readHubFlags(args), message, JSON.stringify(args));
  assert.equal(readHubFlags(["--port", "9100"]).port, 9100);
  assert.equal(readHubFlags(["--record", "a.har", "--max-body", "64KiB"]).maxBody, 64 * 1024);
  assert.equal(readHubFlags(["--journal-size", "500"]).journalSize, 500);

  for (const value of NOT_PLAIN) {
    assert.throws(() => resolveHub({ port: value }, {}), /^Error: --port must be a port number from 1 to 65535, got '/, JSON.stringify(value));
    assert.throws(() => resolveHub({}, { CROSSIPC_HUB_PORT: value }), /^Error: CROSSIPC_HUB_PORT must be a port number from 1 to 65535, got '/, JSON.stringify(value));
  }
  assert.equal(resolveHub({ port: "9100" }, {}).base, "http://127.0.0.1:9100");
});

test("crossipc journal --limit takes plain decimal only", async () => {
  for (const value of ["0x10", "1e3", "+5", "5."]) {
    const result = await crossipc(["journal", "--limit", value], { CROSSIPC_HUB_PORT: "1" });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^crossipc journal: --limit must be a whole number \\(0 or more\\), got '${escape(value)}'`));
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
