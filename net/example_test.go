package net_test

import (
	"context"
	"fmt"
	"log"

	mnet "github.com/seed08ffa9f8/muduo-go/net"
)

// Example resolves listen addresses as net.Listen does: service names are
// ports, host names are looked up, and an empty host is every address.
func Example() {
	for _, addr := range []string{"127.0.0.1:http", "[::1]:8080", "127.0.0.1:0"} {
		ap, err := mnet.ResolveListen(context.Background(), addr)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(addr, "->", ap)
	}
	_, err := mnet.ResolveListen(context.Background(), "127.0.0.1:70000")
	fmt.Println(err != nil)
	// Output:
	// 127.0.0.1:http -> 127.0.0.1:80
	// [::1]:8080 -> [::1]:8080
	// 127.0.0.1:0 -> 127.0.0.1:0
	// true
}
