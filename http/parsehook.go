package http

import "github.com/seed08ffa9f8/muduo-go/internal/parsehook"

func init() {
	parsehook.ParseRequest = func(data []byte) (any, error) {
		var p parser
		req, err := p.Parse(data)
		if req == nil {
			return nil, err // no typed nil inside the interface
		}
		return req, nil
	}
}
