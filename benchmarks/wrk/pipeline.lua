-- Pipelining for wrk: every write carries N copies of the request (N is the
-- first script argument, default 16). wrk counts each response, so req/s and
-- request totals are per request; latency is per batch.
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format()
  end
  req = table.concat(r)
end

request = function()
  return req
end
