/**
 * The answer the Node hub records for a client that left while it proxied its request (499)
 * names the service's URL as the 502 does: a password in it and a `?token=` read `[redacted]`.
 * Its body quoted the target whole, and a journal that keeps bodies showed it in entries and
 * the HAR (the entry's `error` was redacted, its body was not).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { leaveMidway, startWatchingBackend } from "../fixtures/_watchingBackend.ts";
import { startServer, waitFor } from "./_helpers.ts";

test("a client that leaves: the recorded answer shows no password or token of the service's URL", async (t) => {
  const backend = await startWatchingBackend();
  t.after(() => backend.close());
  const server = await startServer(t, { proxyTimeout: 60_000, journal: { bodies: true } });
  server.setRouteProxyResolver(() => backend.url.replace("http://", "http://bob:backend-pw-42@"));
  await leaveMidway(server.getUrl(), "/hang/a?token=query-secret-42", backend, false);
  await waitFor(() => server.journal.entries({ status: 499 }).length === 1, "the journal entry");
  const [entry] = server.journal.entries({ status: 499 });
  assert.equal(entry!.takenBy, "proxy");
  assert.match(entry!.responseBody ?? "", /The client went away before http:\/\/bob:\[redacted\]@127\.0\.0\.1:\d+\/hang\/a\?token=\[redacted\] answered/);
  const har = JSON.stringify(server.journal.toHAR());
  for (const secret of ["backend-pw-42", "query-secret-42"]) {
    assert.ok(!JSON.stringify(entry).includes(secret), `${secret} in ${JSON.stringify(entry)}`);
    assert.ok(!har.includes(secret), `${secret} in the HAR`);
  }
});
