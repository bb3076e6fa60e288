-- GET requests from a list of paths (one per line), made by the benchmark with a seeded generator.
-- Usage: wrk ... -s paths.lua URL -- PATHS_FILE
-- Each thread starts at a different place in the list and walks it round-robin, so the
-- threads do not ask the same question at the same moment. done() prints one JSON line.

local threads = {}
local paths = {}
local index = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(paths, line) end
  end
  index = (id * 997) % #paths
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,'
      .. '"p50_us":%.1f,"p99_us":%.1f,"max_us":%.1f,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean))
end
