/**
 * Compile-time checks, run by `tsc -p tsconfig.json` (the first step of `npm test`).
 * Each `@ts-expect-error` line must be an error; if the types loosen, tsc fails.
 */
import {
  IPCClient,
  IPCServer,
  type DashboardState,
  type IPCClientRequest,
  type IPCServerRequest,
  type JournalEntry,
  type SocketMessage,
  IPCMessageType,
  type IPCMessage,
} from "../../adapters/node.ts";
import { IPCClient as PageClient } from "../../adapters/browser.ts";

interface Entry {
  api: string;
  pathPrefix: string;
}
const register = IPCServer.defineRequest<Entry[], { count: number }>("discovery/register");
const update = IPCClient.defineRequest<{ key: string }, boolean>("config/update");

const server = new IPCServer(0);
const client = new IPCClient(9000);

// Right uses compile.
server.onFrameworkMessage(register, async (routes, msg: SocketMessage) => ({ count: routes.length + msg.clientId.length }));
const count: Promise<{ count: number }> = client.sendFrameworkRequest(register, [{ api: "users", pathPrefix: "/users" }]);
client.onFrameworkRequest(update, async (payload) => payload.key.length > 0);
const updated: Promise<boolean> = server.sendFrameworkMessage("worker-1", update, { key: "k" });
void count;
void updated;

// A branded request is still a string where a path is wanted.
const asString: string = register;
void asString;

// Wrong payloads and results are errors, in both directions.
// @ts-expect-error payload must be Entry[]
void client.sendFrameworkRequest(register, "users");
// @ts-expect-error the result is { count: number }, not string
const wrongResult: Promise<string> = client.sendFrameworkRequest(register, []);
void wrongResult;
// @ts-expect-error the handler must return { count: number }
server.onFrameworkMessage(register, async () => "nope");
// @ts-expect-error the handler's payload is Entry[], which has no .key
server.onFrameworkMessage(register, async (routes) => ({ count: routes.key }));
// @ts-expect-error payload must be { key: string }
void server.sendFrameworkMessage("worker-1", update, { key: 1 });
// @ts-expect-error the client handler must return boolean
client.onFrameworkRequest(update, async () => 42);

// Directions cannot be mixed up: server requests are sent by clients, client requests by the server.
// @ts-expect-error a client request cannot be sent to the server
void client.sendFrameworkRequest(update, { key: "k" });
// @ts-expect-error a server request cannot be sent to a client
void server.sendFrameworkMessage("worker-1", register, []);
// @ts-expect-error the server does not handle client requests
server.onFrameworkMessage(update, async () => true);
// @ts-expect-error a plain string is not a typed request
void client.sendFrameworkRequest("discovery/register", []);

// Branded types are exported for users who declare their own registries.
export type Registry = { register: IPCServerRequest<Entry[], { count: number }>; update: IPCClientRequest<{ key: string }, boolean> };

// The journal: filters are typed, and entries carry what a test asserts on.
const journaled: JournalEntry[] = server.journal.entries({ method: "POST", path: "/users/*", status: "2xx", client: "worker-1" });
const waited: Promise<JournalEntry> = server.journal.waitFor({ kind: "framework", direction: "in", after: server.journal.lastId }, 500);
const status: number | undefined = journaled[0]?.status;
void waited;
void status;
// @ts-expect-error status classes are 1xx…5xx
server.journal.entries({ status: "2XX" });
// @ts-expect-error kind is http, websocket or framework
server.journal.entries({ kind: "ws" });
// @ts-expect-error the journal is read-only from outside
server.journal = server.journal;
new IPCServer(0, { dashboard: true, journal: { size: 100, bodies: true, maxBodySize: 1024 } });
new IPCServer(0, { journal: false });
// @ts-expect-error journal takes a boolean or options
new IPCServer(0, { journal: "on" });
const state: DashboardState | undefined = undefined;
void state;
// The page client has the same typed API as the runtime one.
const page = new PageClient("http://127.0.0.1:9000", { accessToken: "t" });
const fromPage: Promise<{ count: number }> = page.sendFrameworkRequest(register, [{ api: "users", pathPrefix: "/users" }]);
void fromPage;

// The original exported the decoded message type of its IPCSocket; code written for it imports it.
const decoded: IPCMessage = { type: IPCMessageType.REQ, id: "1", path: "discovery/register", data: [] };
const fireAndForget: IPCMessage = { type: IPCMessageType.MSG, id: "", path: "log/line" };
// @ts-expect-error the type is an IPCMessageType, not any string
const wrongType: IPCMessage = { type: "x", id: "1", path: "p" };
void [decoded, fireAndForget, wrongType];
