module github.com/seed08ffa9f8/muduo-go/interop

go 1.26.0

require (
	github.com/coder/websocket v1.8.15
	github.com/gorilla/websocket v1.5.3
	github.com/seed08ffa9f8/muduo-go v0.0.0
)

require (
	github.com/klauspost/compress v1.20.5 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/seed08ffa9f8/muduo-go => ../
