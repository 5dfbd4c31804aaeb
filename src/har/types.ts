/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the fields crossipc writes and
 * reads. Custom fields start with `_`, as the format allows.
 */
export interface Har {
  log: HarLog;
}

export interface HarLog {
  version: string;
  creator: HarCreator;
  browser?: HarCreator;
  pages?: unknown[];
  entries: HarEntry[];
  comment?: string;
}

export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

export interface HarEntry {
  pageref?: string;
  /** ISO 8601 with milliseconds. */
  startedDateTime: string;
  /** ms, the sum of the timings that are not -1. */
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, unknown>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  /** What crossipc knows about the entry: its journal id, what took it, its scope and client. */
  _crossipc?: HarCrossipc;
}

export interface HarCrossipc {
  id: number;
  takenBy: string;
  scope: string | null;
  client: string | null;
  route?: string;
  target?: string;
  requestBodyTruncated?: boolean;
  responseBodyTruncated?: boolean;
}

export interface HarNameValue {
  name: string;
  value: string;
  comment?: string;
}

export interface HarCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
  comment?: string;
}

export interface HarRequest {
  method: string;
  /** Absolute. */
  url: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  /** -1 when unknown. */
  headersSize: number;
  bodySize: number;
  comment?: string;
}

export interface HarPostData {
  mimeType: string;
  params?: Array<{ name: string; value?: string; fileName?: string; contentType?: string }>;
  text?: string;
  /** crossipc's: `"base64"` when `text` is the base64 of a body that is not UTF-8 (HAR 1.2 has no field for it). */
  _encoding?: "base64";
  comment?: string;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  /** The bytes sent (compressed, when the body was), -1 when unknown. */
  bodySize: number;
  comment?: string;
}

export interface HarContent {
  /** Bytes of the decoded body. */
  size: number;
  compression?: number;
  mimeType: string;
  text?: string;
  encoding?: string;
  /** crossipc's: `text` is still in this content-encoding (one the runtime could not undo); a replay sends it so. */
  _contentEncoding?: string;
  comment?: string;
}

export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
  comment?: string;
}
