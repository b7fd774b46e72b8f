// Application errors, panics and context.
--> {"jsonrpc": "2.0", "method": "Arith.Div", "params": {"a": 1, "b": 0}, "id": 1}
<-- {"jsonrpc": "2.0", "error": {"code": 1, "message": "division by zero"}, "id": 1}
--> {"jsonrpc": "2.0", "method": "Test.Coded", "id": 2}
<-- {"jsonrpc": "2.0", "error": {"code": 42, "message": "coded", "data": {"x": 1}}, "id": 2}
--> {"jsonrpc": "2.0", "method": "Test.Panic", "id": 3}
<-- {"jsonrpc": "2.0", "error": {"code": -32603, "message": "Internal error"}, "id": 3}
--> {"jsonrpc": "2.0", "method": "Test.PanicBlocking", "id": 4}
<-- {"jsonrpc": "2.0", "error": {"code": -32603, "message": "Internal error"}, "id": 4}
// the server keeps serving after a panic
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": {"a": 1, "b": 2}, "id": 5}
<-- {"jsonrpc": "2.0", "result": 3, "id": 5}
--> {"jsonrpc": "2.0", "method": "Test.Panic"}
--> {"jsonrpc": "2.0", "method": "Test.Ctx", "id": 6}
<-- {"jsonrpc": "2.0", "result": true, "id": 6}
--> {"jsonrpc": "2.0", "method": "Arith.Div", "params": {"a": 1, "b": 0}}
// a result that cannot be encoded is an Internal error
--> {"jsonrpc": "2.0", "method": "Test.NaN", "id": 7}
<-- {"jsonrpc": "2.0", "error": {"code": -32603, "message": "Internal error"}, "id": 7}
