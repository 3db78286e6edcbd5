import { defineConfig } from "vitest/config";

// Runs every workspace's tests from the root (`npx vitest run`); `npm test` goes through turbo.
export default defineConfig({
  test: { projects: ["packages/*", "apps/*", "examples/*", "tests/*"] },
});
