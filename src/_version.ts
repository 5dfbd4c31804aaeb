/** The package's version, as HAR files name their creator (test/node/har.test.ts checks it against package.json). */
export const CROSSIPC_VERSION = "0.1.0";
