// Preloaded with `node --import` by memory.test.ts: as the process exits, writes its peak
// resident set size (getrusage ru_maxrss, KiB) to stderr, where the test reads it.
process.on("exit", () => {
  process.stderr.write(`max-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
