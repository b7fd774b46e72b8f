-- JSON-RPC 2.0 over HTTP: POST Arith.Add to /rpc. The runner checks one
-- response by hand before measuring; wrk only counts status codes.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":1,"b":2},"id":1}'
