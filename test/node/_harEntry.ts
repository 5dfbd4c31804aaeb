/** HAR 1.2 entries and documents as a recording holds them, for replay tests. */
import type { Har, HarEntry } from "../../adapters/node.ts";

/** A recorded exchange: `method path` answered with `status`, `text` and `headers` (default: text/plain). */
export function harEntry(method: string, path: string, status: number, text: string, headers: Array<[string, string]> = [["content-type", "text/plain"]]): HarEntry {
  return {
    startedDateTime: "2026-01-01T00:00:00.000Z",
    time: 0,
    request: { method, url: `http://recorded.example${path}`, httpVersion: "HTTP/1.1", cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: {
      status,
      statusText: "",
      httpVersion: "HTTP/1.1",
      cookies: [],
      headers: headers.map(([name, value]) => ({ name, value })),
      content: { size: text.length, mimeType: headers.find(([name]) => name === "content-type")?.[1] ?? "", text },
      redirectURL: "",
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
  };
}

export const har = (...entries: HarEntry[]): Har => ({ log: { version: "1.2", creator: { name: "test", version: "1" }, entries } });
