-- wrk script for the pipelined runs of bench/http.mjs: every write carries DEPTH requests
-- (default 16, `-- <depth>` after the URL), so each of the connections has DEPTH requests
-- in flight and the server sees them in one read, the case HTTP/1.1 pipelining is about.
--
-- Latency caveat: wrk records one latency per batch, when the batch's LAST response arrives
-- (response_complete: `if (--c->pending == 0) stats_record(now - c->start)`), so a pipelined
-- p50/p99 is "time from writing 16 requests to the 16th answer", not one request's service
-- time. Compare it only with other pipelined figures.
local depth = 16
local batch

init = function(args)
  depth = tonumber(args[1]) or depth
  local requests = {}
  for i = 1, depth do
    requests[i] = wrk.format(nil, wrk.path)
  end
  batch = table.concat(requests)
end

request = function()
  return batch
end

-- Same summary line as bench/report.lua (wrk takes a single script per run).
done = function(summary, latency, requests)
  io.write(string.format(
    "K_BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d,\"p50_us\":%d,\"p99_us\":%d," ..
    "\"connect_errors\":%d,\"read_errors\":%d,\"write_errors\":%d,\"status_errors\":%d,\"timeouts\":%d}\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout))
end
