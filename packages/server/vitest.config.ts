import { mergeConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

// --expose-gc: the connection-churn test asserts a heap bound after forcing collections.
export default mergeConfig(sharedConfig, { test: { execArgv: ["--expose-gc"] } });
