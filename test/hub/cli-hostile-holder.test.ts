/**
 * `crossipc hub` on a port that something else holds quotes that holder when it cannot take the
 * port over, and a `--replay` file when it cannot read it: both are text others wrote. Their
 * control characters print escaped. The holder's refusal reached the terminal as sent (a window
 * title, a cleared screen, a CSI in its C1 form, a right-to-left override), and so did the C1 and
 * bidi controls of a HAR's value (JSON quoting escapes only C0 ones).
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ONE_ENTRY_HAR } from "../fixtures/one-entry-har.ts";
import { ENTRY, runToEnd } from "./_cli.ts";

const EVIL = "\u001b]0;PWNED\u0007\u001b[2J\u009b31m\u202eevil";
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

async function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return runToEnd(process.execPath, [ENTRY, ...args], process.env, 60_000);
}

test("a holder of the port that refuses to yield is quoted with its control characters escaped", { timeout: 60_000 }, async (t) => {
  // Not a hub: it refuses the takeover's connection, with a reason of its own making.
  const holder = http.createServer((_request, response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: EVIL }));
  });
  holder.on("upgrade", (_request, socket) => socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"));
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    holder.closeAllConnections();
    holder.close();
  });
  const port = String((holder.address() as AddressInfo).port);
  const result = await run(["hub", "--port", port]);
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /the holder did not yield: .*refused the connection/);
  assert.doesNotMatch(result.stderr, RAW, JSON.stringify(result.stderr));
  assert.ok(result.stderr.includes("\\x1b]0;PWNED\\x07\\x1b[2J\\x9b31m\\u202eevil"), result.stderr);
});

test("a --replay file's values are quoted with their control characters escaped", async () => {
  const har = structuredClone(ONE_ENTRY_HAR);
  har.log.entries[0]!.request.method = `G${EVIL}`;
  const file = join(mkdtempSync(join(tmpdir(), "crossipc-replay-")), "evil.har");
  writeFileSync(file, JSON.stringify(har));
  const result = await run(["hub", "--port", "0", "--replay", file]);
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /entry 0: request\.method/);
  assert.doesNotMatch(result.stderr, RAW, JSON.stringify(result.stderr));
});
