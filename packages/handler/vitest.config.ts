import { mergeConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";

// --expose-gc: the 1 GiB tests assert a heap bound after forcing collections.
export default mergeConfig(sharedConfig, { test: { execArgv: ["--expose-gc"] } });
