-- Durable form signups with a unique address per request.
-- wrk -s bench/signup.lua http://HOST/waitlists/pilot-course/signups
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id
  run = tostring(os.time())
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function request()
  counter = counter + 1
  local body = "email=bench-" .. run .. "-" .. thread_id .. "-" .. counter .. "%40example.com&form=report%3Aketamine-rapid-antidepressant"
  return wrk.format(nil, nil, nil, body)
end

local bad = 0
function response(status, headers, body)
  if status ~= 303 then bad = bad + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("p50_ms %.3f\np99_ms %.3f\nrequests %d\nnon_303 %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    bad))
end
