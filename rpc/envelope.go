package rpc

import "bytes"

// Member names of a request object.
var (
	keyJSONRPC = []byte("jsonrpc")
	keyMethod  = []byte("method")
	keyParams  = []byte("params")
	keyID      = []byte("id")
	version2   = []byte(`"2.0"`)
)

// prepare decodes the request value starting at b[start] (b is a validated
// JSON text) into c: it classifies the request, looks the method up and
// binds the params, recording in c.err any error to answer with. It walks
// the raw bytes by offset, so ids stay byte-exact and nothing is decoded
// into generic maps; member names with escapes are the only allocating
// path. Duplicate members: the last one wins.
func (s *Server) prepare(b []byte, start int, c *call) {
	*c = call{}
	if b[start] != '{' {
		c.err = errInvalidRequest
		return
	}
	var jsonrpc, methodName, params, id []byte
	i := skipSpace(b, start+1)
	for b[i] != '}' {
		ke := scanString(b, i)
		key := b[i+1 : ke-1]
		vs := skipSpace(b, skipSpace(b, ke)+1) // past ':'
		ve := skipValue(b, vs)
		val := b[vs:ve]
		if hasEscape(key) {
			key = s.unescape(b[i:ke])
		}
		switch {
		case bytes.Equal(key, keyJSONRPC):
			jsonrpc = val
		case bytes.Equal(key, keyMethod):
			methodName = val
		case bytes.Equal(key, keyParams):
			params = val
		case bytes.Equal(key, keyID):
			id = val
		}
		i = skipSpace(b, ve)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}

	hasID := id != nil
	if hasID {
		switch id[0] {
		case '{', '[', 't', 'f':
			c.err = errInvalidRequest // id unusable: answer with id null
			return
		case 'n':
			id = nil // null
		}
	}
	c.id = id
	if jsonrpc != nil && !bytes.Equal(jsonrpc, version2) &&
		(jsonrpc[0] != '"' || !bytes.Equal(s.unescape(jsonrpc), version2[1:4])) {
		c.err = errInvalidRequest
		return
	}
	if methodName == nil || methodName[0] != '"' {
		c.err = errInvalidRequest
		return
	}
	if params != nil && params[0] != '[' && params[0] != '{' {
		c.err = errInvalidRequest
		return
	}

	// A valid Request object from here on.
	if jsonrpc == nil {
		c.v1 = true
		c.notify = id == nil // 1.0: a notification has id null
	} else {
		c.notify = !hasID // 2.0: a notification has no id member
	}
	name := methodName[1 : len(methodName)-1]
	if hasEscape(name) {
		name = s.unescape(methodName)
	}
	m := s.methods[string(name)]
	if m == nil {
		c.err = errMethodNotFound
		return
	}
	c.m = m
	if m.raw != nil {
		c.params = params
		return
	}
	c.argv, c.err = s.bind(m, params)
}

// unescape decodes a raw JSON string token (quotes included).
func (s *Server) unescape(raw []byte) []byte {
	var str string
	if err := s.json.Unmarshal(raw, &str); err != nil {
		return nil
	}
	return []byte(str)
}
