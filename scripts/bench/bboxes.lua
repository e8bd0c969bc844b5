-- wrk script: cycles through the request paths of the file named by WRK_PATHS (one a line), one
-- sequence per thread offset so threads do not ask the same box at once, and prints the latency
-- distribution (p50/p95/p99 in ms), the rate and the bytes per response as one JSON line at the end.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local counter = 0
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7919)
  threads[#threads + 1] = thread
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter + offset) % #paths + 1])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'WRKJSON {"requests": %d, "seconds": %.2f, "requests_per_s": %.1f, "bytes_per_response": %.0f, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "non_2xx": %d, ' ..
    '"errors": %d, "timeouts": %d}\n',
    summary.requests, seconds, summary.requests / seconds, summary.bytes / math.max(summary.requests, 1),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout))
end
