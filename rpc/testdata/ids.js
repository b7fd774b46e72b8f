// Ids are echoed as they appeared: strings, numbers of any size and
// spelling, and null. (Byte-exactness, incl. unicode escapes, is asserted
// byte for byte in TestIDsByteExact; here numbers compare by their text.)
--> {"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": 18446744073709551617}
<-- {"jsonrpc": "2.0", "result": 1, "id": 18446744073709551617}
--> {"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": 1.50}
<-- {"jsonrpc": "2.0", "result": 1, "id": 1.50}
--> {"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": -0}
<-- {"jsonrpc": "2.0", "result": 1, "id": -0}
--> {"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": 1e400}
<-- {"jsonrpc": "2.0", "result": 1, "id": 1e400}
--> {"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": "caf\u00e9 \"q\""}
<-- {"jsonrpc": "2.0", "result": 1, "id": "café \"q\""}
--> {"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": ""}
<-- {"jsonrpc": "2.0", "result": 1, "id": ""}

// id null in 2.0 is a call (discouraged but valid), not a notification
--> {"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": null}
<-- {"jsonrpc": "2.0", "result": 1, "id": null}

// ids that are objects, arrays or booleans make the request invalid
--> {"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": {"a": 1}}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
--> {"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": [1]}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
--> {"jsonrpc": "2.0", "method": "subtract", "params": [2, 1], "id": true}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}

// the id of an otherwise invalid request is still echoed when it is usable
--> {"jsonrpc": "2.0", "method": 7, "id": 99}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 99}

// duplicate members: the last one wins
--> {"jsonrpc": "2.0", "method": "nope", "method": "subtract", "params": [2, 1], "id": 1, "id": 2}
<-- {"jsonrpc": "2.0", "result": 1, "id": 2}
