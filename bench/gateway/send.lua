-- wrk script: POST /api/v1/email/send with a ~2 KB JSON body (V2V_TOKEN, V2V_FROM_DOMAIN from env).
-- The requests (1024 bodies that differ in recipient, subject and metadata)
-- are built once, so wrk's Lua work per request is as small as for a plain
-- GET: both share the machine with the gateway.
local token = os.getenv("V2V_TOKEN")
local domain = os.getenv("V2V_FROM_DOMAIN") or "example.test"
local text = string.rep("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 28)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Connection"] = "keep-alive"

local pool = {}
for n = 1, 1024 do
  local body = '{"from":"Bench <bench@' .. domain .. '>","to":["rcpt' .. n .. '@remote.test"],' ..
    '"subject":"bench ' .. n .. '","text":"' .. text .. '","tags":["bench"],"metadata":{"n":' .. n .. '}}'
  pool[n] = wrk.format(nil, nil, nil, body)
end
local i = 0

request = function()
  i = i % #pool + 1
  return pool[i]
end

done = function(summary, latency, requests)
  io.write(string.format("p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
