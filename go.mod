module github.com/seed08ffa9f8/muduo-go

go 1.26.0

require (
	github.com/json-iterator/go v1.1.12
	github.com/klauspost/compress v1.20.5
	github.com/modern-go/reflect2 v1.0.2
	github.com/valyala/bytebufferpool v1.0.0
	go.uber.org/goleak v1.3.0
	golang.org/x/sys v0.50.0
)

require github.com/modern-go/concurrent v0.0.0-20180228061459-e0a39a4cb421 // indirect
