/**
 * Node: noticing that the client of a WebSocket upgrade left while the hub was still deciding
 * (a `timeout` fault holds it, a mock's process is slow to answer).
 *
 * srvx aborts a request's `signal` when its ServerResponse closes, but an upgrade has none: its
 * `signal` would never abort, and a held upgrade kept its timer and its socket until the fault's
 * time bound. Here the signal aborts when the client's socket ends (a FIN: a client waiting for
 * its 101 never half-closes) or closes, and the socket is then destroyed. The listeners are added
 * only when someone reads `signal` (the hold does; an upgrade nobody holds pays nothing), and
 * taken off once the upgrade is decided: from then on the socket is the WebSocket's (or gone).
 */
import type { Duplex } from "node:stream";

/** Gives `request` a `signal` that aborts when the upgrade's client leaves; returns what to call once the upgrade is decided. */
export function watchUpgradeClient(request: Request, socket: Duplex): () => void {
  let controller: AbortController | undefined;
  const left = () => {
    stop();
    socket.destroy();
    controller!.abort(new DOMException("The client went away before its upgrade was answered", "AbortError"));
  };
  const stop = () => {
    socket.off("end", left);
    socket.off("close", left);
  };
  Object.defineProperty(request, "signal", {
    configurable: true,
    get(): AbortSignal {
      if (controller === undefined) {
        controller = new AbortController();
        if (socket.destroyed || socket.readableEnded) left();
        else socket.once("end", left).once("close", left);
      }
      return controller.signal;
    },
  });
  return stop;
}
