/**
 * A fault on a WebSocket's frames (`latency`, `drop`, `close`), around whatever relays the socket:
 * a proxied backend (`UpstreamRelay`) or a mock's process (`interceptWebSocket`). Frames from the
 * client pass through `fromClient`; frames to the client through the peer handed to `attach`.
 */
import type { Peer } from "crossws";
import type { SocketRelay } from "../mocks/_pipeline.ts";
import { closeWith } from "../server/_wsProxy.ts";
import { FrameDelay } from "./_frameDelay.ts";
import type { SocketFault } from "./_kind.ts";

type Frame = string | ArrayBuffer | Uint8Array;

/**
 * `maxHeld`: bytes of delayed frames one socket may hold, both ways together (the server's
 * `maxBufferedAmount`). A `latency` fault on a busy socket holds what arrives during the delay;
 * past the bound both ends are closed with 1013 (try again later), as the relay closes a socket
 * whose reader falls behind, and nothing more is held.
 */
export function faultedRelay(relay: SocketRelay, fault: SocketFault, maxHeld: number): SocketRelay {
  const delay = fault.delay;
  let peer: Peer | undefined;
  let ended = false;
  const toRelay = delay ? new FrameDelay((frame) => relay.fromClient(frame)) : undefined;
  let toClient: FrameDelay | undefined;
  const clear = () => {
    ended = true;
    toRelay?.clear();
    toClient?.clear();
  };
  /** Delays one frame, or ends the socket when that would hold too much. */
  const hold = (queue: FrameDelay, frame: Frame) => {
    if (ended) return;
    queue.push(frame, delay!());
    if (toRelay!.held + (toClient?.held ?? 0) <= maxHeld) return;
    clear();
    const reason = "Fault latency: too many delayed frames held";
    relay.clientClosed(1013, reason);
    if (peer) closeWith(peer, 1013, reason);
  };
  return {
    attach(attached) {
      // The hooks attach a crossws peer; SocketRelay types it loosely to keep crossws out of published types.
      peer = attached as Peer;
      if (fault.close !== undefined) {
        relay.attach(peer);
        relay.clientClosed(fault.close, "Fault injected");
        closeWith(peer, fault.close, "Fault injected");
        return;
      }
      if (!fault.drop && !delay) return relay.attach(peer);
      const client = peer;
      if (delay) toClient = new FrameDelay((frame) => client.send(frame));
      // Nothing returned: `0` would read as "the client is not reading" (the relay's overflow check).
      const send = fault.drop ? () => undefined : (frame: Frame) => void hold(toClient!, frame);
      relay.attach(withSend(peer, send));
    },
    fromClient(data) {
      if (fault.drop) return;
      if (toRelay) hold(toRelay, data);
      else relay.fromClient(data);
    },
    clientClosed(code, reason) {
      clear();
      relay.clientClosed(code, reason);
    },
    close() {
      clear();
      relay.close();
    },
  };
}

/** The peer with its `send` replaced; everything else is the peer's own. */
function withSend(peer: Peer, send: (frame: Frame) => undefined): Peer {
  return new Proxy(peer, {
    get(target, key) {
      if (key === "send") return send;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
