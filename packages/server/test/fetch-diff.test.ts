// Differential test: a Hono app under @hono/node-server (its defaults, which replace the
// global Request/Response for the whole process) and under @k/server + fromFetch.
import { describe } from "vitest";
import { defineDiffSuite, defineTlsCheck } from "./fetch-diff-suite.ts";

describe("fromFetch + @k/server vs @hono/node-server (node-server's global Request/Response)", () => {
  defineDiffSuite(true);
});
describe("fromFetch under TLS", () => {
  defineTlsCheck();
});
