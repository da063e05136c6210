-- Shared by the bench/*.lua wrk scripts that send a different secret with every request: each wrk
-- thread takes its own share of a list file (lines i with i % threads == its index, so no two
-- threads ever send the same one) and reports, through report.lua, when its share ran out.
local list = {}
local threads = {}
local counter = 0

-- Called by wrk in the main Lua state, once per thread before it starts: numbers the threads.
function list.setup(thread)
   thread:set("thread_index", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

-- The lines of the file that belong to this thread (thread_index of thread_count), in file order.
function list.share(path, thread_count)
   local mine = {}
   local file = io.open(path, "r")
   if file == nil then
      error("cannot read the list file " .. path)
   end
   local i = 0
   for line in file:lines() do
      if i % thread_count == thread_index and line ~= "" then
         table.insert(mine, line)
      end
      i = i + 1
   end
   file:close()
   return mine
end

-- How many requests, over all threads, found their thread's list empty (read in done, main state).
function list.exhausted()
   local total = 0
   for _, thread in ipairs(threads) do
      total = total + (tonumber(thread:get("exhausted")) or 0)
   end
   return total
end

return list
