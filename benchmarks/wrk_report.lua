-- Shared by the benches' wrk scripts: the one line of figures the Python side reads (run_wrk in
-- bench_public.py). A script keeps its threads from setup() and counts wrong answers in the
-- thread global "bad"; report(threads, "not_ok") is its done(), naming that count "not_ok".

function report(threads, count_name)
  return function(summary, latency, requests)
    local count = 0
    for _, thread in ipairs(threads) do
      count = count + thread:get("bad")
    end
    io.write(string.format(
      'WRK_JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, '
        .. '"%s": %d, "socket_errors": %d}\n',
      summary.requests, summary.duration / 1e6,
      latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
      count_name, count,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    ))
  end
end
