// Shared vitest settings: every package's tests import sibling packages by name and run
// them from source through the "@k/source" export condition, so `npm test` needs no build.
import { defineConfig } from "vitest/config";

export const sharedConfig = defineConfig({
  resolve: { conditions: ["@k/source", "import", "module", "node", "default"] },
  ssr: { resolve: { conditions: ["@k/source", "import", "module", "node", "default"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
