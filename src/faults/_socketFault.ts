/**
 * A fault on a WebSocket's frames (`latency`, `drop`, `close`), around whatever relays the socket:
 * a proxied backend (`UpstreamRelay`) or a mock's process (`interceptWebSocket`). Frames from the
 * client pass through `fromClient`; frames to the client through the peer handed to `attach`.
 */
import type { Peer } from "crossws";
import type { SocketRelay } from "../mocks/_pipeline.ts";
import { FrameDelay } from "./_frameDelay.ts";
import type { SocketFault } from "./_kind.ts";

type Frame = string | ArrayBuffer | Uint8Array;

export function faultedRelay(relay: SocketRelay, fault: SocketFault): SocketRelay {
  const delay = fault.delay;
  const toRelay = delay ? new FrameDelay<Frame>((frame) => relay.fromClient(frame)) : undefined;
  let toClient: FrameDelay<Frame> | undefined;
  const clear = () => {
    toRelay?.clear();
    toClient?.clear();
  };
  return {
    attach(attached) {
      // The hooks attach a crossws peer; SocketRelay types it loosely to keep crossws out of published types.
      const peer = attached as Peer;
      if (fault.close !== undefined) {
        relay.attach(peer);
        relay.clientClosed(fault.close, "Fault injected");
        try {
          peer.close(fault.close, "Fault injected");
        } catch {
          // Already closed.
        }
        return;
      }
      if (!fault.drop && !delay) return relay.attach(peer);
      if (delay) toClient = new FrameDelay<Frame>((frame) => peer.send(frame));
      // Nothing returned: `0` would read as "the client is not reading" (the relay's overflow check).
      const send = fault.drop ? () => undefined : (frame: Frame) => void toClient!.push(frame, delay!());
      relay.attach(withSend(peer, send));
    },
    fromClient(data) {
      if (fault.drop) return;
      if (toRelay) toRelay.push(data, delay!());
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
