-- wrk script of the meshgov benchmark.
--  * BENCH_PATHS_FILE set: every request GETs a random line of that file (one path a line),
--    otherwise the URL given on the command line.
--  * done() prints one machine-readable line, "BENCH_RESULT key=value ...", latencies in ms.
-- The Authorization header comes from wrk -H and is kept by wrk.format.

local paths = nil
local file = os.getenv("BENCH_PATHS_FILE")
if file ~= nil and file ~= "" then
  paths = {}
  for line in io.lines(file) do
    if line ~= "" then paths[#paths + 1] = line end
  end
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  -- fixed seeds: the same sequence of products on every run
  math.randomseed(7919 * (tid or 1))
end

if paths ~= nil then
  request = function()
    return wrk.format("GET", paths[math.random(#paths)])
  end
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_s=%.2f rps=%.1f mean_ms=%.3f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
      .. "non2xx=%d connect_err=%d read_err=%d write_err=%d timeouts=%d\n",
    summary.requests, secs, summary.requests / secs, latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout))
end
