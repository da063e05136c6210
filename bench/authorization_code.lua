-- wrk script: POST /oauth/token with grant_type=authorization_code (client_secret_basic, PKCE S256),
-- each request with its own code from a list file that bench/run seeded into authorization_codes.
--
--   wrk -t2 -c16 -d30s --latency -s bench/authorization_code.lua http://127.0.0.1:PORT/oauth/token \
--       -- '<base64 of client_id:client_secret>' <codes file> <threads> <redirect_uri, form-encoded> <code_verifier>
--
-- A code is single-use: when a thread's share of the file runs out, it sends "exhausted" instead (a
-- 400 that fails the run) and the result line says how many times (BENCH_EXHAUSTED).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local report = require("report")
local list = require("list")

local codes = {}
local next_code = 1
local tail = ""
exhausted = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

setup = list.setup

function init(args)
   if #args < 5 then
      error("authorization_code.lua needs: -- <basic> <codes file> <threads> <redirect_uri> <code_verifier>")
   end
   wrk.headers["Authorization"] = "Basic " .. args[1]
   codes = list.share(args[2], tonumber(args[3]))
   tail = "&redirect_uri=" .. args[4] .. "&code_verifier=" .. args[5]
end

function request()
   local code = codes[next_code]
   if code == nil then
      exhausted = exhausted + 1
      wrk.thread:set("exhausted", exhausted)
      code = "exhausted"
   end
   next_code = next_code + 1
   return wrk.format(nil, nil, nil, "grant_type=authorization_code&code=" .. code .. tail)
end

function done(summary, latency, requests)
   report.done(summary, latency, requests)
   io.write(string.format("BENCH_EXHAUSTED %d\n", list.exhausted()))
end
