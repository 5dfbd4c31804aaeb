/**
 * A multipart form's secrets are redacted by the part's name (src/server/_redactBody.ts). The name
 * was found with one pattern over the part's whole head, tried again from every place
 * `content-disposition:` appeared, each time to the end of the line: a form field whose name is
 * `content-disposition:` many times over (any web page can POST such a form to the hub: a simple
 * request, no preflight) held the hub's thread — in the request itself, when a `--replay` whose
 * recording holds a redacted multipart body compared it, and whenever a `--record` hub's entry was
 * read (its HAR, the dashboard, FILE written on SIGTERM). Each runtime's own regular expression
 * engine ran the pattern (V8 on Node and Deno, JavaScriptCore on Bun), so the built CLI runs on
 * each; Deno with `--allow-net=127.0.0.1` and read/write on the files' folder.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { once } from "node:events";
import { RUNTIMES } from "../matrix/_spawn.ts";
import { startJsonHub } from "./_cli.ts";

/**
 * The hostile field name, 2 MB. The old pattern's time grew with the square of it: at 320 KB one
 * pass took 1.5-4.5 s (Node, Deno, Bun), so this one held a hub about a minute or more per pass,
 * past the fetches' 30 s; it now takes a few ms.
 */
const HOSTILE_NAME = "content-disposition:".repeat(100_000);
const form = (parts: Array<[string, string]>) => [...parts.flatMap(([name, value]) => ["--B", `Content-Disposition: form-data; name="${name}"`, "", value]), "--B--", ""].join("\r\n");
const FORM_TYPE = "multipart/form-data; boundary=B";

/** A recording of one login, its password redacted as the journal records it. */
const RECORDING = {
  log: {
    version: "1.2",
    creator: { name: "test", version: "1" },
    entries: [
      {
        startedDateTime: "2026-01-01T00:00:00.000Z",
        time: 1,
        request: {
          method: "POST",
          url: "http://recorded.example/login",
          httpVersion: "HTTP/1.1",
          cookies: [],
          headers: [{ name: "content-type", value: FORM_TYPE }],
          queryString: [],
          postData: { mimeType: FORM_TYPE, text: form([["user", "ann"], ["password", "[redacted]"]]) },
          headersSize: -1,
          bodySize: -1,
        },
        response: { status: 200, statusText: "OK", httpVersion: "HTTP/1.1", cookies: [], headers: [], content: { size: 7, mimeType: "text/plain", text: "welcome" }, redirectURL: "", headersSize: -1, bodySize: 7 },
        cache: {},
        timings: { send: 0, wait: 1, receive: 0 },
      },
    ],
  },
};

interface HarDocument {
  log: { entries: Array<{ request: { url: string; postData?: { text?: string } } }> };
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: a form field named content-disposition: 100,000 times is replayed against, journaled, redacted and written out at once`, { timeout: 150_000 }, async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "crossipc-multipart-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "session.har");
    const recording = path.join(dir, "login.har");
    writeFileSync(recording, JSON.stringify(RECORDING));
    const { hub, port, stderr } = await startJsonHub(t, runtime, ["--allow-net=127.0.0.1", `--allow-read=${dir}`, `--allow-write=${dir}`], ["--replay", recording, "--record", file]);
    const base = `http://127.0.0.1:${port}`;
    const post = (body: string) => fetch(`${base}/login`, { method: "POST", headers: { "content-type": FORM_TYPE }, body, signal: AbortSignal.timeout(30_000) });

    // Not recorded (its other field differs): compared, redacted, then on to the services, none here.
    const hostile = await post(form([[HOSTILE_NAME, "x"], ["password", "hunter2-multipart"]]));
    assert.equal(hostile.status, 404);
    await hostile.text();
    // The recorded login still replays with any password.
    const login = await post(form([["user", "ann"], ["password", "hunter2-login"]]));
    assert.equal(login.status, 200);
    assert.equal(await login.text(), "welcome");

    const answer = await fetch(`${base}/__crossipc/api/journal.har`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(answer.status, 200);
    const texts = ((await answer.json()) as HarDocument).log.entries.map((entry) => entry.request.postData?.text ?? "");
    const text = texts.find((body) => body.includes(HOSTILE_NAME));
    assert.ok(text !== undefined, "the hostile POST is in the HAR with its body");
    assert.ok(text.includes(`name="${HOSTILE_NAME}"\r\n\r\nx\r\n`), "the hostile part is kept as sent");
    assert.ok(text.includes('name="password"\r\n\r\n[redacted]\r\n'), "the password part reads [redacted]");
    assert.doesNotMatch(texts.join("\n"), /hunter2/);

    const exited = once(hub, "exit");
    hub.kill("SIGTERM");
    const [code] = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${runtime}: still writing FILE 30 s after SIGTERM`)), 30_000).unref())]);
    assert.equal(code, 0, stderr());
    const written = readFileSync(file, "utf8");
    assert.ok(written.includes(HOSTILE_NAME) && !written.includes("hunter2"), "FILE holds the redacted bodies");
  });
}
