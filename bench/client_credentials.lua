-- wrk script: POST /oauth/token with grant_type=client_credentials, client_secret_basic.
--
--   wrk -t2 -c16 -d30s --latency -s bench/client_credentials.lua http://127.0.0.1:PORT/oauth/token \
--       -- '<base64 of client_id:client_secret>'
--
-- The request is the same every time, so wrk builds it once (no per-request Lua work).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local report = require("report")

wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function init(args)
   if #args < 1 then
      error("client_credentials.lua needs the Basic credentials: -- <base64 of client_id:client_secret>")
   end
   wrk.headers["Authorization"] = "Basic " .. args[1]
end

done = report.done
