/**
 * 20 dashboard event streams opened and dropped one after another under this runtime: each must
 * be answered 200 (a dropped stream that stayed counted would hit the 16-stream limit, 503).
 */
import { crossipc, runtime } from "../fixtures/_crossipc.ts";
const hub = new crossipc.ServiceHub(0, { dashboard: true });
await hub.start();
const url = hub.getUrl();
const statuses: number[] = [];
for (let i = 0; i < 20; i++) {
  const controller = new AbortController();
  const response = await fetch(`${url}/__crossipc/api/events`, { signal: controller.signal });
  statuses.push(response.status);
  if (response.body) { const r = response.body.getReader(); await r.read(); }
  controller.abort();
  await new Promise((r) => setTimeout(r, 20));
}
console.log(runtime, statuses.join(","));
await hub.teardown();
