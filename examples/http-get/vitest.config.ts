import { mergeConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

export default mergeConfig(sharedConfig, {
  test: {
    // get.mjs runs under plain `node`, so it loads @k/parser's dist: build it (and k-demo,
    // which the k-demo suite starts) before any file runs.
    globalSetup: ["./test/global-setup.ts"],
    maxWorkers: 2,
  },
});
