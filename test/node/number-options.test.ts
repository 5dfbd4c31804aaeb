/**
 * Numeric options of IPCClient, IPCServer, ServiceHub, joinHub and connectMocks, and a request's
 * `timeoutMs`, the `port` of IPCServer/IPCClient/joinHub and the `timeoutMs` of `journal.waitFor`/`mocks.waitFor`,
 * checked when given, on Node, Bun and Deno (test/fixtures/number-options.ts; Deno
 * with the README's `--allow-net=127.0.0.1`). Unchecked, `heartbeatTimeout: 0` failed every
 * heartbeat and cut `disconnect()` at once, NaN reached timers (a request with a NaN timeout never
 * timed out), `minRetryDelay: 0` retried with no delay, and a bad `server` option of `joinHub`
 * only made each bid fail until `joinTimeout`; a bad port failed in `start()` in each runtime's own
 * words, or at `connect()` as an invalid URL; `waitFor`'s NaN fired after 1 ms (locally) or came
 * back from the hub as "got null" (over JSON), a number past 2^31 - 1 fired at once. `new ServiceHub(null)` (or an options object given first) was taken for a server and failed inside the constructor ("Cannot read properties of null"). Now a TypeError or RangeError names the option and the value.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES, start, waitExit } from "../matrix/_spawn.ts";

const MS = "a number of ms > 0 (at most 2147483647, the longest a timer waits)";
const SERVER_PORT = "port must be a whole number from 0 (any free port) to 65535, got";
const CLIENT_PORT = "port must be a whole number from 1 to 65535 (the server's port), or a URL, got";
const MEMBER_PORT = "port must be a whole number from 1 to 65535 (a port every member knows), got";
const HUB_TAKES = "ServiceHub takes a port (a whole number from 0, any free port, to 65535) or an IPCServer to attach to, got";
const WAIT = "timeoutMs must be 0 (only what is there now) or a number of ms > 0";
const EXPECTED: Record<string, [string, string] | "ok"> = {
  "client heartbeatTimeout 0": ["RangeError", `heartbeatTimeout must be ${MS}, got 0`],
  "client heartbeatTimeout NaN": ["RangeError", `heartbeatTimeout must be ${MS}, got NaN`],
  "client connectTimeout -1": ["RangeError", `connectTimeout must be ${MS}, got -1`],
  "client connectTimeout Infinity": ["RangeError", `connectTimeout must be ${MS}, got Infinity`],
  "client connectTimeout 2^31": ["RangeError", `connectTimeout must be ${MS}, got 2147483648`],
  "client heartbeatInterval -5": ["RangeError", `heartbeatInterval must be 0 (off) or ${MS}, got -5`],
  "client heartbeatInterval '4000'": ["TypeError", `heartbeatInterval must be 0 (off) or ${MS}, got "4000"`],
  "client heartbeatInterval 0 (off)": "ok",
  "server requestTimeout NaN": ["RangeError", `requestTimeout must be ${MS}, got NaN`],
  "server proxyTimeout 0": ["RangeError", `proxyTimeout must be ${MS}, got 0`],
  "server upstreamConnectTimeout Infinity": ["RangeError", `upstreamConnectTimeout must be ${MS}, got Infinity`],
  "server maxClients 1.5": ["RangeError", "maxClients must be a positive integer, got 1.5"],
  "server maxConnections 0": ["RangeError", "maxConnections must be a positive integer, got 0"],
  "server maxMockRules -1": ["RangeError", "maxMockRules must be a positive integer, got -1"],
  "server maxMessageSize 0": ["RangeError", "maxMessageSize must be a positive integer (bytes), got 0"],
  "server maxProxyMessageSize NaN": ["RangeError", "maxProxyMessageSize must be a positive integer (bytes), got NaN"],
  "server maxBufferedAmount -1": ["RangeError", "maxBufferedAmount must be a positive integer (bytes), got -1"],
  "server maxMockBodyBytes '1MiB'": ["TypeError", 'maxMockBodyBytes must be a positive integer (bytes), got "1MiB"'],
  "server heartbeat -1": ["RangeError", "heartbeat must be 0 (off) or a number of seconds > 0 (at most 960, the most Bun's WebSocket idleTimeout takes), got -1"],
  "server heartbeat 961": ["RangeError", "heartbeat must be 0 (off) or a number of seconds > 0 (at most 960, the most Bun's WebSocket idleTimeout takes), got 961"],
  "server keepAliveTimeout NaN": ["RangeError", "keepAliveTimeout must be 0 (off) or a number of seconds > 0 (at most 2147483), got NaN"],
  "server journal.maxBodySize NaN": ["RangeError", "journal.maxBodySize must be a whole number of bytes (0 or more), got NaN"],
  "server heartbeat 0, keepAliveTimeout 0, journal.maxBodySize 0 (off)": "ok",
  "ServiceHub maxRoutesPerClient NaN": ["RangeError", "maxRoutesPerClient must be a positive integer, got NaN"],
  "ServiceHub proxyTimeout -1": ["RangeError", `proxyTimeout must be ${MS}, got -1`],
  "joinHub minRetryDelay 0": ["RangeError", `minRetryDelay must be ${MS}, got 0`],
  "joinHub joinTimeout NaN": ["RangeError", `joinTimeout must be ${MS}, got NaN`],
  "joinHub maxRetryDelay below minRetryDelay": ["RangeError", "joinHub: maxRetryDelay (10) must not be below minRetryDelay (100)"],
  "joinHub server.maxClients 0": ["RangeError", "server.maxClients must be a positive integer, got 0"],
  "connectMocks heartbeatTimeout 0": ["RangeError", `heartbeatTimeout must be ${MS}, got 0`],
  "server port -1": ["RangeError", `${SERVER_PORT} -1`],
  "server port 70000": ["RangeError", `${SERVER_PORT} 70000`],
  "server port NaN": ["RangeError", `${SERVER_PORT} NaN`],
  "server port 1.5": ["RangeError", `${SERVER_PORT} 1.5`],
  "server port 'http'": ["TypeError", `${SERVER_PORT} "http"`],
  "server port 0 and '8080' (digits, as the original's Node listen took them)": "ok",
  "ServiceHub port -1": ["RangeError", `${SERVER_PORT} -1`],
  "ServiceHub port 'http'": ["TypeError", `${SERVER_PORT} "http"`],
  "ServiceHub port '8080'": "ok",
  "ServiceHub null": ["TypeError", `${HUB_TAKES} null`],
  "ServiceHub options given first": ["TypeError", `${HUB_TAKES} an object`],
  "ServiceHub true": ["TypeError", `${HUB_TAKES} true`],
  "ServiceHub attached to an IPCServer": "ok",
  "client port 0": ["RangeError", `${CLIENT_PORT} 0`],
  "client port 70000": ["RangeError", `${CLIENT_PORT} 70000`],
  "client port NaN": ["RangeError", `${CLIENT_PORT} NaN`],
  "client port '99999'": ["RangeError", `${CLIENT_PORT} "99999"`],
  "client port ''": ["TypeError", `${CLIENT_PORT} ""`],
  "client port '4000' and a URL": "ok",
  "connectMocks port -1": ["RangeError", `${CLIENT_PORT} -1`],
  "joinHub port 0": ["RangeError", `${MEMBER_PORT} 0`],
  "joinHub port 'http'": ["TypeError", `${MEMBER_PORT} "http"`],
  "sendFrameworkRequest timeoutMs NaN": ["RangeError", `timeoutMs must be ${MS}, got NaN`],
  "sendFrameworkMessage timeoutMs 0": ["RangeError", `timeoutMs must be ${MS}, got 0`],
  "journal.waitFor timeoutMs NaN": ["RangeError", `${WAIT} (at most 2147483647, the longest a timer waits), got NaN`],
  "journal.waitFor timeoutMs 2^31": ["RangeError", `${WAIT} (at most 2147483647, the longest a timer waits), got 2147483648`],
  "journal.waitFor timeoutMs 0": ["IPCError", 'ERR_IPC_TIMEOUT: Journal: no entry matching {path="/never"} within 0ms'],
  "mocks.waitFor timeoutMs NaN": ["RangeError", `${WAIT} (at most 120000, the longest a hub waits), got NaN`],
  "mocks.waitFor timeoutMs 120001": ["RangeError", `${WAIT} (at most 120000, the longest a hub waits), got 120001`],
  "mocks.waitFor timeoutMs '5000'": ["TypeError", `${WAIT} (at most 120000, the longest a hub waits), got "5000"`],
  "mocks.waitFor timeoutMs 0": ["IPCError", 'ERR_IPC_REMOTE: Journal: no entry matching {path="/never"} within 0ms'],
};

for (const runtime of RUNTIMES) {
  test(`${runtime}: numeric options and request timeouts that mean nothing are refused, naming the option and the value`, { timeout: 120_000 }, async (t) => {
    const child = start(runtime, "test/fixtures/number-options.ts", [], { denoPermissions: ["--allow-net=127.0.0.1"], unsetEnv: ["NO_COLOR"] });
    t.after(() => child.proc.kill("SIGKILL"));
    const seen: Record<string, [string, string] | "ok"> = {};
    for (;;) {
      const line = await child.nextJson<{ label?: string; ok?: boolean; name?: string; message?: string; done?: boolean }>(60_000, "the next case");
      if (line.done) break;
      seen[line.label!] = line.ok ? "ok" : [line.name!, line.message!];
    }
    assert.deepEqual(seen, EXPECTED);
    assert.equal(await waitExit(child, 15_000, "exit"), 0, child.stderr());
  });
}
