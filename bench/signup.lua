-- Durable form signups (application/x-www-form-urlencoded), a unique address each.
-- Used by bench/run: wrk -s bench/signup.lua http://HOST/waitlists/pilot-course/signups
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  -- BENCH_RUN tells apart wrk processes started in the same second (bench/nodes).
  run = (os.getenv("BENCH_RUN") or "") .. tostring(os.time())
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function request()
  counter = counter + 1
  local body = "email=bench-" .. run .. "-" .. id .. "-" .. counter ..
    "%40example.com&form=report%3Aketamine-rapid-antidepressant"
  return wrk.format(nil, nil, nil, body)
end

unexpected = 0
function response(status, headers, body)
  if status ~= 303 then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unexpected") end
  io.write(string.format("p50_ms %.3f\np99_ms %.3f\nunexpected_status %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
