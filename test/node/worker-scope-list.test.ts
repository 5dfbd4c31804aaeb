/**
 * A `Service-Worker-Allowed` value that is a long list (`/app/,/app/,…`, 1.2 MB, as a mock's answer
 * may carry) is read as covering the hub: refused to a worker script request, dropped from another
 * answer, without a URL parsed per part (these 1.2 MB took 175-340 ms per answer on Node 20, the hub frozen).
 * A list of a few narrow parts is kept (src/server/_workerScope.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { screenWorkerScope } from "../../src/server/_workerScope.ts";

const script = () => new Request("http://127.0.0.1:9000/app/sw.js", { headers: { "service-worker": "script" } });
const answer = (allowed: string) => new Response("// worker", { headers: { "service-worker-allowed": allowed } });

test("a Service-Worker-Allowed list longer than 8 parts is refused to a worker script and dropped from other answers; a short narrow one is kept", () => {
  const long = "/app/,".repeat(200_000);
  const started = performance.now();
  const refused = screenWorkerScope(script(), answer(long), undefined);
  const took = performance.now() - started;
  assert.ok("refused" in refused, "the long list went on");
  assert.match(refused.refused, /^The answer to service worker script \/app\/sw\.js is refused: its Service-Worker-Allowed header/);
  const plain = screenWorkerScope(new Request("http://127.0.0.1:9000/app/sw.js"), answer(long), undefined);
  assert.ok(plain instanceof Response);
  assert.equal(plain.headers.get("service-worker-allowed"), null);
  const short = screenWorkerScope(script(), answer("/app/, /app/a/, /app/b/"), undefined);
  assert.ok(short instanceof Response);
  assert.equal(short.headers.get("service-worker-allowed"), "/app/, /app/a/, /app/b/");
  assert.ok(took < 1000, `${took.toFixed(0)} ms`);
});
