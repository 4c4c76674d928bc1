-- Shared by the benches' wrk scripts (loaded with dofile at their top): the threads' setup and
-- the one line of figures the Python side reads (run_wrk in bench_public.py). Each thread gets
-- an "id" (1, 2, ...) and counts wrong answers in its global "bad"; a script ends with
-- `done = report("not_ok")`, naming that count in the figures.

threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function report(count_name)
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
