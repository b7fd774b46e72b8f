// Params binding onto Arith's {"a":int,"b":int} args and other shapes.
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": {"a": 1, "b": 2}, "id": 1}
<-- {"jsonrpc": "2.0", "result": 3, "id": 1}
--> {"jsonrpc": "2.0", "method": "Arith.Mul", "params": {"b": 6, "a": 7}, "id": 2}
<-- {"jsonrpc": "2.0", "result": 42, "id": 2}
--> {"jsonrpc": "2.0", "method": "Arith.Div", "params": [7, 2], "id": 3}
<-- {"jsonrpc": "2.0", "result": 3, "id": 3}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": [{"a": 5, "b": 6}], "id": 4}
<-- {"jsonrpc": "2.0", "result": 11, "id": 4}

// a and b are required (rpc:"required"): leaving one out, or sending null,
// is Invalid params rather than a sum with zero
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": [5], "id": 5}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "missing param 1 (\"b\")"}, "id": 5}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": [], "id": 6}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "missing param 0 (\"a\")"}, "id": 6}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "id": 7}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "missing params: \"a\" is required"}, "id": 7}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": {}, "id": 8}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "missing member \"a\""}, "id": 8}
--> {"jsonrpc": "2.0", "method": "Arith.Div", "params": {"a": 1}, "id": 9}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "missing member \"b\""}, "id": 9}
--> {"jsonrpc": "2.0", "method": "Arith.Mul", "params": {"a": null, "b": 2}, "id": 40}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "member \"a\" is null"}, "id": 40}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": [1, null], "id": 41}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "param 1 (\"b\") is null"}, "id": 41}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": [{"B": 2, "A": 1}], "id": 42}
<-- {"jsonrpc": "2.0", "result": 3, "id": 42}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": {"\u0061": 1, "b": 2}, "id": 43}
<-- {"jsonrpc": "2.0", "result": 3, "id": 43}

// things that do not fit are Invalid params
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": [1, 2, 3], "id": 10}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "too many params: got 3, want at most 2"}, "id": 10}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": {"a": 1, "c": 2}, "id": 11}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params"}, "id": 11}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": {"a": "1"}, "id": 12}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params"}, "id": 12}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": {"a": 1.5}, "id": 13}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params"}, "id": 13}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": [1, "2"], "id": 14}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params"}, "id": 14}
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": {"a": 99999999999999999999}, "id": 15}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params"}, "id": 15}
--> {"jsonrpc": "2.0", "method": "sum", "params": {"a": 1}, "id": 16}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "object params cannot bind to []int"}, "id": 16}
--> {"jsonrpc": "2.0", "method": "notify_hello", "params": [1, 2], "id": 17}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "too many params: got 2, want at most 1 for int"}, "id": 17}
--> {"jsonrpc": "2.0", "method": "notify_hello", "params": {"x": 1}, "id": 18}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params", "data": "object params cannot bind to int"}, "id": 18}

// a notification with bad params gets no response
--> {"jsonrpc": "2.0", "method": "Arith.Add", "params": [1, 2, 3]}

// slices bind from the array, or from a one-element array wrapping it
--> {"jsonrpc": "2.0", "method": "sum", "params": [1, 2, 3], "id": 20}
<-- {"jsonrpc": "2.0", "result": 6, "id": 20}
--> {"jsonrpc": "2.0", "method": "sum", "params": [[1, 2, 3]], "id": 21}
<-- {"jsonrpc": "2.0", "result": 6, "id": 21}

// full 64-bit precision, no float64 round trip
--> {"jsonrpc": "2.0", "method": "Test.Wide", "params": {"i": 9007199254740993, "u": 18446744073709551615, "f": 0.1}, "id": 22}
<-- {"jsonrpc": "2.0", "result": {"i": 9007199254740993, "u": 18446744073709551615, "f": 0.1}, "id": 22}
--> {"jsonrpc": "2.0", "method": "Test.Wide", "params": [-9223372036854775808], "id": 23}
<-- {"jsonrpc": "2.0", "result": {"i": -9223372036854775808, "u": 0, "f": 0}, "id": 23}
--> {"jsonrpc": "2.0", "method": "Test.Any", "params": {"big": 9007199254740993, "x": [1.5e300, "s", null, true]}, "id": 24}
<-- {"jsonrpc": "2.0", "result": {"big": 9007199254740993, "x": [1.5e300, "s", null, true]}, "id": 24}

// Echo returns its params unchanged
--> {"jsonrpc": "2.0", "method": "Echo.Echo", "params": {"deep": [[{"k": "v\n"}]], "n": 123456789012345678901234567890}, "id": 25}
<-- {"jsonrpc": "2.0", "result": {"deep": [[{"k": "v\n"}]], "n": 123456789012345678901234567890}, "id": 25}
--> {"jsonrpc": "2.0", "method": "Echo.Echo", "id": 26}
<-- {"jsonrpc": "2.0", "result": null, "id": 26}

// methods registered with the generic rpc.Handle bind the same way
--> {"jsonrpc": "2.0", "method": "Typed.Sub", "params": [10, 3], "id": 30}
<-- {"jsonrpc": "2.0", "result": 7, "id": 30}
--> {"jsonrpc": "2.0", "method": "Typed.Sub", "params": {"minuend": 10, "subtrahend": 4}, "id": 31}
<-- {"jsonrpc": "2.0", "result": 6, "id": 31}
--> {"jsonrpc": "2.0", "method": "Typed.Sub", "params": [10], "id": 33}
<-- {"jsonrpc": "2.0", "result": 10, "id": 33}
--> {"jsonrpc": "2.0", "method": "Typed.Sub", "params": [1, 2, 3], "id": 32}
<-- {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params"}, "id": 32}
