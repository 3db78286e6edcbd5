// The bench's own pure helpers (bench/test/): `cd bench && npx vitest run`. Not a workspace and
// not part of `npm test`/CI, like the rest of bench/ (nothing here times anything).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["test/**/*.test.mjs"] },
});
