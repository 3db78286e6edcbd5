import { mergeConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

export default mergeConfig(sharedConfig, {
  test: {
    // The e2e suites spawn the built k-demo: build it (incrementally) once before any file runs.
    globalSetup: ["./test/global-setup.ts"],
    // Each e2e file starts its own server; two files at a time suit the 2-core machine.
    maxWorkers: 2,
  },
});
