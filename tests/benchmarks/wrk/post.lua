-- Durable single-event appends: POST /events with one stance.stated event per request.
-- Usage: wrk ... -s post.lua URL -- TOKEN ID_PREFIX DAY
-- Every request gets a new event id (prefix, thread, counter), so none is an idempotent
-- retry that the server would answer without writing. The stance is drawn at random
-- (seeded per thread); "conditional" is left out because it needs conditions.
-- done() prints one JSON line.

local threads = {}
local counter = 0
local stances = {"hostile", "declined", "reluctant", "undecided", "supportive", "committed", "delivered"}
local headers = {}
local prefix, day

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  headers["Authorization"] = "Bearer " .. args[1]
  headers["Content-Type"] = "application/json"
  prefix = args[2]
  day = args[3]
  math.randomseed(7 + id)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"type":"stance.stated","id":"%s-%d-%d","occurred":"%s","sources":[{"outlet":"Bench Wire"}],'
      .. '"summary":"benchmark append","actor":"a%03d","topic":"t%02d","stance":"%s","conditions":[]}',
    prefix, id, counter, day, math.random(0, 199), math.random(0, 39), stances[math.random(1, #stances)])
  return wrk.format("POST", "/events", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,'
      .. '"p50_us":%.1f,"p99_us":%.1f,"max_us":%.1f,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean))
end
