// JSON-RPC 1.0 compatibility: requests without a "jsonrpc" member get
// responses with both "result" and "error" (one of them null), the error
// being the message string, as Go's net/rpc/jsonrpc client expects.

// net/rpc style: params is a one-element array holding the args object
--> {"method": "Arith.Add", "params": [{"a": 1, "b": 2}], "id": 0}
<-- {"id": 0, "result": 3, "error": null}
--> {"method": "Arith.Div", "params": [{"a": 1, "b": 0}], "id": 1}
<-- {"id": 1, "result": null, "error": "division by zero"}
--> {"method": "Arith.Nope", "params": [{}], "id": 2}
<-- {"id": 2, "result": null, "error": "Method not found"}
--> {"method": "Arith.Add", "params": [{"a": "x"}], "id": 3}
<-- {"id": 3, "result": null, "error": "Invalid params"}

// 1.0 notifications have id null (or no id): no response, even on error
--> {"method": "Arith.Add", "params": [{"a": 1, "b": 2}], "id": null}
--> {"method": "Arith.Nope", "params": [], "id": null}
--> {"method": "Arith.Add", "params": [{"a": 1, "b": 2}]}

// string ids and blocking methods work the same way
--> {"method": "Echo.Echo", "params": [1, "two"], "id": "abc"}
<-- {"id": "abc", "result": [1, "two"], "error": null}

// a jsonrpc member that is not exactly "2.0" is an Invalid Request (2.0 form)
--> {"jsonrpc": "1.0", "method": "Arith.Add", "params": [1, 2], "id": 4}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 4}
--> {"jsonrpc": 2.0, "method": "Arith.Add", "params": [1, 2], "id": 5}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 5}
--> {"jsonrpc": "2.0 ", "method": "Arith.Add", "params": [1, 2], "id": 6}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 6}
--> {"jsonrpc": "\u0032.0", "method": "Arith.Add", "params": [1, 2], "id": 7}
<-- {"jsonrpc": "2.0", "result": 3, "id": 7}

// an object without method is not a 1.0 request either
--> {"id": 8}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 8}
