-- wrk script: request the paths listed in $OBSERVER_BENCH_PATHS in turn (each thread from its own
-- offset), then print p50/p95/p99 latency in ms and counts as one JSON line.
local paths = {}
for line in io.lines(os.getenv("OBSERVER_BENCH_PATHS")) do
  paths[#paths + 1] = line
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
end

local i = 0
function request()
  i = i + 1
  local path = paths[((offset or 0) + i) % #paths + 1]
  return wrk.format("GET", path, { ["Accept"] = "text/html,application/json" })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "requests": %d, "duration_s": %.3f, "errors": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.status + e.timeout))
end
