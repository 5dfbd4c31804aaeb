/**
 * The HAR 1.2 field list (http://www.softwareishard.com/blog/har-12-spec/), written from the
 * spec for the tests and independent of src/: every required field with its type. `check`
 * returns what is wrong, as `path: problem` lines (empty when the document is valid).
 */
type Type = "string" | "number" | "integer" | "boolean" | "object" | "array" | "iso-date";
interface Field {
  type: Type;
  required?: boolean;
  of?: Record<string, Field>;
  items?: Record<string, Field>;
}

const req = (type: Type, extra: Partial<Field> = {}): Field => ({ type, required: true, ...extra });
const opt = (type: Type, extra: Partial<Field> = {}): Field => ({ type, ...extra });

const nameValue = { name: req("string"), value: req("string"), comment: opt("string") };
const cookie = {
  name: req("string"), value: req("string"), path: opt("string"), domain: opt("string"), expires: opt("iso-date"),
  httpOnly: opt("boolean"), secure: opt("boolean"), comment: opt("string"),
};
const creator = { name: req("string"), version: req("string"), comment: opt("string") };

const entry: Record<string, Field> = {
  pageref: opt("string"),
  startedDateTime: req("iso-date"),
  time: req("number"),
  request: req("object", {
    of: {
      method: req("string"), url: req("string"), httpVersion: req("string"),
      cookies: req("array", { items: cookie }), headers: req("array", { items: nameValue }), queryString: req("array", { items: nameValue }),
      postData: opt("object", { of: { mimeType: req("string"), text: opt("string"), params: opt("array"), comment: opt("string") } }),
      headersSize: req("integer"), bodySize: req("integer"), comment: opt("string"),
    },
  }),
  response: req("object", {
    of: {
      status: req("integer"), statusText: req("string"), httpVersion: req("string"),
      cookies: req("array", { items: cookie }), headers: req("array", { items: nameValue }),
      content: req("object", { of: { size: req("integer"), compression: opt("integer"), mimeType: req("string"), text: opt("string"), encoding: opt("string"), comment: opt("string") } }),
      redirectURL: req("string"), headersSize: req("integer"), bodySize: req("integer"), comment: opt("string"),
    },
  }),
  cache: req("object"),
  timings: req("object", {
    of: {
      blocked: opt("number"), dns: opt("number"), connect: opt("number"), send: req("number"), wait: req("number"),
      receive: req("number"), ssl: opt("number"), comment: opt("string"),
    },
  }),
  serverIPAddress: opt("string"),
  connection: opt("string"),
  comment: opt("string"),
};

const har: Record<string, Field> = {
  log: req("object", {
    of: {
      version: req("string"), creator: req("object", { of: creator }), browser: opt("object", { of: creator }),
      pages: opt("array"), entries: req("array", { items: entry }), comment: opt("string"),
    },
  }),
};

export function checkHar12(document: unknown): string[] {
  const problems: string[] = [];
  visit(document, har, "", problems);
  const log = (document as { log?: { version?: unknown; entries?: Array<{ time: number; timings: Record<string, number> }> } }).log;
  if (log && log.version !== "1.2") problems.push(`log.version: expected "1.2", got ${JSON.stringify(log.version)}`);
  // "time: the sum of all timings available in the timings object (not including -1 values)".
  log?.entries?.forEach((e, i) => {
    const sum = Object.entries(e.timings ?? {}).reduce((total, [key, value]) => (key !== "comment" && key !== "ssl" && value !== -1 ? total + value : total), 0);
    if (Math.abs(sum - e.time) > 0.01) problems.push(`log.entries[${i}].time: ${e.time} is not the sum of its timings (${sum})`);
  });
  return problems;
}

function visit(value: unknown, fields: Record<string, Field>, at: string, problems: string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push(`${at || "(document)"}: expected an object`);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const [name, field] of Object.entries(fields)) {
    const path = at ? `${at}.${name}` : name;
    if (!(name in record) || record[name] === undefined) {
      if (field.required) problems.push(`${path}: required, missing`);
      continue;
    }
    checkType(record[name], field, path, problems);
  }
  // Custom fields must start with an underscore.
  for (const name of Object.keys(record)) if (!(name in fields) && !name.startsWith("_")) problems.push(`${at}.${name}: not a HAR 1.2 field (custom fields start with _)`);
}

function checkType(value: unknown, field: Field, path: string, problems: string[]): void {
  const fail = () => problems.push(`${path}: expected ${field.type}, got ${JSON.stringify(value)?.slice(0, 60)}`);
  switch (field.type) {
    case "string":
      if (typeof value !== "string") fail();
      return;
    case "iso-date":
      if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) fail();
      return;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) fail();
      return;
    case "integer":
      if (!Number.isInteger(value)) fail();
      return;
    case "boolean":
      if (typeof value !== "boolean") fail();
      return;
    case "object":
      if (typeof value !== "object" || value === null || Array.isArray(value)) fail();
      else if (field.of) visit(value, field.of, path, problems);
      return;
    case "array":
      if (!Array.isArray(value)) fail();
      else if (field.items) value.forEach((item, i) => visit(item, field.items!, `${path}[${i}]`, problems));
      return;
  }
}
