-- wrk script: POST /oauth/token with grant_type=refresh_token (client_secret_basic), rotating: every
-- answer's new refresh_token is what a later request of the same thread sends, the way a client
-- keeps its one live token. bench/run obtains the first ones (one per connection, each of another
-- user, through real code exchanges) into a list file.
--
--   wrk -t2 -c16 -d30s --latency -s bench/refresh.lua http://127.0.0.1:PORT/oauth/token \
--       -- '<base64 of client_id:client_secret>' <refresh tokens file> <threads>
--
-- Each thread keeps a queue of the tokens it holds: a request takes the oldest, its answer puts the
-- successor at the end. wrk asks for a connection's next request right after reading its answer,
-- so a connection in effect sends the successor it just got. A failed answer loses its chain; when
-- a thread has no token left it sends "none" (a 400 that fails the run), counted in BENCH_EXHAUSTED.
-- wrk calls the first thread's request() once before the run to check it, and drops that request:
-- bench/run gives each thread one token more than its connections for that.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local report = require("report")
local list = require("list")

local queue = {}
local first = 1
local last = 0
exhausted = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

setup = list.setup

function init(args)
   if #args < 3 then
      error("refresh.lua needs: -- <basic> <refresh tokens file> <threads>")
   end
   wrk.headers["Authorization"] = "Basic " .. args[1]
   for _, token in ipairs(list.share(args[2], tonumber(args[3]))) do
      last = last + 1
      queue[last] = token
   end
end

function request()
   local token = "none"
   if first <= last then
      token = queue[first]
      queue[first] = nil
      first = first + 1
   else
      exhausted = exhausted + 1
      wrk.thread:set("exhausted", exhausted)
   end
   -- Gatehouse tokens are base62 with a prefix and an underscore: nothing to percent-encode.
   return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
   if status == 200 then
      local successor = body:match('"refresh_token"%s*:%s*"([^"]+)"')
      if successor ~= nil then
         last = last + 1
         queue[last] = successor
      end
   end
end

function done(summary, latency, requests)
   report.done(summary, latency, requests)
   io.write(string.format("BENCH_EXHAUSTED %d\n", list.exhausted()))
end
