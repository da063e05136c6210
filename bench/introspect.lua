-- wrk script: POST /oauth/introspect token=<access token>, the caller authenticated with
-- client_secret_basic (an app introspecting its own token).
--
--   wrk -t2 -c16 -d30s --latency -s bench/introspect.lua http://127.0.0.1:PORT/oauth/introspect \
--       -- '<base64 of client_id:client_secret>' '<access token>'
--
-- The request is the same every time, so wrk builds it once (no per-request Lua work).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local report = require("report")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function init(args)
   if #args < 2 then
      error("introspect.lua needs: -- <base64 of client_id:client_secret> <access token>")
   end
   wrk.headers["Authorization"] = "Basic " .. args[1]
   -- Gatehouse tokens are base62 with a prefix and an underscore: nothing to percent-encode.
   wrk.body = "token=" .. args[2]
end

done = report.done
