/**
 * A framework client of its own on a hub's mocks protocol (not connectMocks): for what another
 * process may send the hub that connectMocks never would. `take` gives the answer to each relayed
 * request (`__crossipc/mocks/take`) from its params; any other request the hub makes (a replay's
 * counts) is answered with success.
 */
import { once } from "node:events";
import WebSocket from "ws";
import { INTERNAL_SOCKET_PATH } from "../../adapters/node.ts";

export interface RawAnswer {
  success: boolean;
  error?: { message?: string };
}

export async function rawMocks(t: { after(fn: () => unknown): void }, port: number, take: (params: Record<string, string>) => unknown) {
  const mock = new WebSocket(`ws://127.0.0.1:${port}${INTERNAL_SOCKET_PATH}?runtimeId=raw-mock`);
  await once(mock, "open");
  t.after(() => mock.close());
  const answered = new Map<string, (json: string) => void>();
  mock.on("message", (data) => {
    const frame = String(data);
    const [type, id, path] = frame.split(":", 3) as [string, string, string];
    const json = frame.slice(type.length + id.length + path.length + 3);
    if (type === "s") answered.get(id)?.(json);
    if (type !== "r") return;
    const answer = path === "__crossipc/mocks/take" ? take((JSON.parse(json) as { params: Record<string, string> }).params) : undefined;
    mock.send(`s:${id}:${path}:${JSON.stringify(answer === undefined ? { success: true } : { success: true, data: answer })}`);
  });
  let ids = 0;
  /** Sends a mocks request and resolves with the hub's answer. */
  const request = (path: string, data: unknown): Promise<RawAnswer> => {
    const id = String(++ids);
    mock.send(`r:${id}:${path}:${JSON.stringify(data)}`);
    return new Promise((resolve) => answered.set(id, (json) => resolve(JSON.parse(json) as RawAnswer)));
  };
  const hello = await request("__crossipc/mocks/hello", { protocol: 1 });
  if (!hello.success) throw new Error(`the hub refused the mocks hello: ${JSON.stringify(hello)}`);
  return { request, nextRef: () => ids + 1 };
}
