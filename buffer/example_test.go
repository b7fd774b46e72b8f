package buffer_test

import (
	"fmt"

	"github.com/seed08ffa9f8/muduo-go/buffer"
)

// Example frames messages the way a length-header codec does: append the
// body, then prepend its length into the cheap prepend space without
// moving the body; the reader peeks at the header and takes the body once
// it is complete.
func Example() {
	out := buffer.New(0)
	body := "hello"
	out.AppendString(body)
	out.PrependInt32(int32(len(body))) // big-endian, no copy of the body
	fmt.Println("framed bytes:", out.ReadableBytes())

	in := buffer.New(0)
	in.Append(out.Peek())
	if in.ReadableBytes() >= 4 {
		n := int(in.PeekInt32())
		if in.ReadableBytes() >= 4+n {
			in.Retrieve(4)
			fmt.Println("message:", in.RetrieveAsString(n))
		}
	}
	fmt.Println("left:", in.ReadableBytes())
	// Output:
	// framed bytes: 9
	// message: hello
	// left: 0
}
