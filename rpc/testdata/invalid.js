// Malformed requests. Invalid Request answers carry the id when it could be
// read, otherwise null; they are sent even without an id.
--> {"jsonrpc": "2.0", "params": [1], "id": 1}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 1}
--> {"jsonrpc": "2.0", "method": null, "id": 1}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 1}
--> {"jsonrpc": "2.0", "method": "subtract", "params": 5, "id": 1}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 1}
--> {"jsonrpc": "2.0", "method": "subtract", "params": null, "id": 1}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": 1}
--> {"jsonrpc": "2.0", "method": "subtract", "params": "x"}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
--> {}
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}

// top-level scalars are JSON texts but not requests
--> 1
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
--> "x"
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
--> null
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
--> true
<-- {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}

// bad tokens inside well-delimited texts are Parse errors
--> {"jsonrpc": "2.0", "method": "subtract", "id": 01}
<-- {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}
--> {"jsonrpc": "2.0", "method": "subtract", "id": 1,}
<-- {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}
--> {'jsonrpc': '2.0'}
<-- {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}
--> [nul]
<-- {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}
--> {"a": "\x"}
<-- {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}
--> {"a" ]
<-- {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}
--> truex
<-- {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}

// batches: invalid members answered one by one, notifications skipped
--> [{"jsonrpc": "2.0", "method": "subtract", "params": [3, 1], "id": 1}, [], {"jsonrpc": "2.0", "method": "nope"}, {"jsonrpc": "2.0", "method": "nope", "id": 2}]
<-- [{"jsonrpc": "2.0", "result": 2, "id": 1}, {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}, {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": 2}]
--> [[]]
<-- [{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]
