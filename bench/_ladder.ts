/**
 * The layers of one framework round trip, one at a time (issue 20): each rung does what the
 * one before it does plus one thing, so the difference of their CPU per request is that thing's
 * cost in a real round trip between two processes (in-process loops miss what the runtime's
 * event loop and WebSocket do around each message).
 *
 * Server rungs (a crossws server on the host's runtime, the rung picked by the URL path):
 *   /echo       crossws's message hook sends back the text it got
 *   /frame      + the frame cut apart (parseFrame) and an answer frame built around the DATA text (no JSON)
 *   /json       + DATA parsed and the answer body stringified (decodeData, encodeFrame), answered in the hook
 *   /await      + the answer sent after `await handler()` (a microtask later), as any async dispatch does
 *   /ipcsocket  crossipc's IPCSocket fed from the hook (handler map, dispatch, error handling), nothing else
 * The crossipc server itself (journal off, then on) are the rungs above.
 *
 * Client rungs (the driver's runtime, against one server):
 *   raw        the echo loop: sends a fixed request frame, counts answers, no promise
 *   ref        a promise per request, the answer matched by id (indexOf), DATA not decoded
 *   decode     + the answer decoded as the original's client does (split, JSON.parse)
 *   ipcsocket  crossipc's IPCSocket on the runtime's WebSocket (encode, pending map, timeout timer, decode)
 * IPCClient itself (heartbeat, write batching) is the rung above.
 */
import type { Peer } from "crossws";
import { IPCSocket } from "../src/IPCSocket.ts";
import { decodeData, encodeFrame, parseFrame } from "../src/protocol.ts";
import { runtime } from "./_rt.ts";

const echo = (data: unknown) => data;

/** crossws hooks serving every server rung. */
export function ladderHooks(): { open(peer: Peer): void; message(peer: Peer, message: { rawData: unknown }): void } {
  const kinds = new WeakMap<Peer, string>();
  const sockets = new WeakMap<Peer, IPCSocket>();
  const handlers = new Map([["echo", echo]]);
  return {
    open(peer) {
      const kind = new URL(peer.request?.url ?? "http://x/echo").pathname.slice(1);
      kinds.set(peer, kind);
      if (kind === "ipcsocket") {
        sockets.set(peer, new IPCSocket({ send: (frame) => peer.send(frame), close: (code, reason) => peer.close(code, reason) }, { requestHandlers: handlers, attach: false }));
      }
    },
    message(peer, message) {
      const text = message.rawData as string;
      switch (kinds.get(peer)) {
        case "frame": {
          const f = parseFrame(text)!;
          peer.send(`s:${f.id}:${f.path}:{"success":true,"data":${f.rawData || "null"}}`);
          return;
        }
        case "json": {
          const f = parseFrame(text)!;
          peer.send(encodeFrame("s", f.id, f.path, { success: true, data: handlers.get(f.path)!(decodeData(f.rawData)) }));
          return;
        }
        case "await":
          void answerLater(peer, text, handlers);
          return;
        case "ipcsocket":
          sockets.get(peer)!.receive(text);
          return;
        default:
          peer.send(text);
      }
    },
  };
}

async function answerLater(peer: Peer, text: string, handlers: Map<string, (data: unknown) => unknown>): Promise<void> {
  const f = parseFrame(text)!;
  const data = decodeData(f.rawData);
  const result = await handlers.get(f.path)!(data);
  peer.send(encodeFrame("s", f.id, f.path, { success: true, data: result }));
}

export interface LadderClient {
  /** `json` is `payload` serialised once by the caller (the rungs that frame by hand send it). */
  request(json: string, payload: unknown): Promise<unknown>;
  close(): void;
}

/** A client rung (`ref`, `decode`, `ipcsocket`) on the runtime's WebSocket (`ws` on Node, as the raw client). */
export async function connectLadderClient(url: string, kind: string): Promise<LadderClient> {
  const ws: WebSocket = runtime() === "node" ? new ((await import("ws")).WebSocket)(url, { perMessageDeflate: false }) as unknown as WebSocket : new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), { once: true });
  });
  if (kind === "ipcsocket") {
    const socket = new IPCSocket(ws);
    return { request: (_json, payload) => socket.request("echo", payload), close: () => ws.close() };
  }
  const pending = new Map<string, { resolve(value?: unknown): void; reject(error: Error): void }>();
  const text = (data: unknown) => (typeof data === "string" ? data : String(data));
  if (kind === "decode") {
    ws.onmessage = (event) => {
      const [, id, , ...rest] = text(event.data).split(":");
      const waiter = pending.get(id!);
      if (!waiter) return;
      pending.delete(id!);
      const body = JSON.parse(rest.join(":")) as { success: boolean; data?: unknown; error?: string };
      if (body.success) waiter.resolve(body.data);
      else waiter.reject(new Error(String(body.error)));
    };
  } else {
    ws.onmessage = (event) => {
      const frame = text(event.data);
      const b = frame.indexOf(":", 2);
      const waiter = pending.get(frame.slice(2, b));
      if (!waiter) return;
      pending.delete(frame.slice(2, b));
      waiter.resolve();
    };
  }
  let nextId = 0;
  return {
    request(json) {
      const id = String(++nextId);
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ws.send(`r:${id}:echo:${json}`);
      });
    },
    close: () => ws.close(),
  };
}
