-- wrk script for the plain (one request in flight per connection) runs of bench/http.mjs:
-- it only adds a machine-readable summary line at the end, so http.mjs does not have to parse
-- wrk's human-readable units ("1.23ms", "12.3k").
done = function(summary, latency, requests)
  io.write(string.format(
    "K_BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d,\"p50_us\":%d,\"p99_us\":%d," ..
    "\"connect_errors\":%d,\"read_errors\":%d,\"write_errors\":%d,\"status_errors\":%d,\"timeouts\":%d}\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout))
end
