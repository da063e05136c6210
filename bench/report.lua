-- Shared by the bench/*.lua wrk scripts: the one parseable result line bench/run reads.
--
--   BENCH_RESULT requests=… duration_s=… rps=… p50_ms=… p99_ms=… …
--
-- non2xx is wrk's own count of responses with a status >= 400 (what its text report calls
-- "Non-2xx or 3xx responses"); neither endpoint under test ever redirects, so it is the count of
-- failed answers. The socket error counts are wrk's too. Latencies are wrk's (microseconds, shown
-- here in milliseconds), measured from the request write to the end of the response.
local report = {}

function report.done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local errors = summary.errors
   io.write(string.format(
      "BENCH_RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f"
         .. " non2xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000,
      errors.status, errors.connect, errors.read, errors.write, errors.timeout))
end

return report
