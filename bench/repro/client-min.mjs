// Session 28: the protocol's own part of a client request, as an IPCSocket-shaped class for client-micro.mjs.
export class IPCSocket {
  #target; #pending = new Map(); #id = 0;
  constructor(target) { this.#target = target; }
  request(path, data) {
    const id = String(++this.#id);
    const frame = "r:" + id + ":" + path + ":" + JSON.stringify(data);
    return new Promise((resolve, reject) => { this.#pending.set(id, { resolve, reject }); this.#target.send(frame); });
  }
  receive(f) {
    const b = f.indexOf(":", 2), c = f.indexOf(":", b + 1);
    const id = f.slice(2, b);
    const p = this.#pending.get(id); this.#pending.delete(id);
    const body = JSON.parse(f.slice(c + 1));
    if (body.success === true) p.resolve(body.data); else p.reject(new Error(body.error));
  }
}
