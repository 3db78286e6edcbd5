// Differential test: as fetch-diff.test.ts, with `overrideGlobalObjects: false`, so that
// fromFetch builds undici's native Request (this file runs in its own process).
import { describe } from "vitest";
import { defineDiffSuite } from "./fetch-diff-suite.ts";

describe("fromFetch + @k/server vs @hono/node-server (native Request/Response)", () => {
  defineDiffSuite(false);
});
