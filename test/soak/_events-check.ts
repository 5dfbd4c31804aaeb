/**
 * 20 dashboard event streams opened and dropped one after another under this runtime: each must
 * be answered 200 and none may take another's place (a dropped stream that stayed counted would
 * fill the 16 places, and the 17th would make the hub drop the oldest: "evicted" counts those).
 */
import { crossipc, runtime } from "../fixtures/_crossipc.ts";
let evicted = 0;
const hub = new crossipc.ServiceHub(0, { dashboard: true, logger: { warn: (message: string) => void (message.includes("Dropping the oldest dashboard event stream") && evicted++) } });
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
console.log(runtime, statuses.join(","), `evicted ${evicted}`);
await hub.teardown();
