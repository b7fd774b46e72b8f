package reactor_test

import (
	"fmt"
	"log"
	"time"

	"github.com/seed08ffa9f8/muduo-go/net/reactor"
)

// Example runs an event loop on its own goroutine, hands it work from
// another goroutine (RunInLoop) and sets a timer on it: every callback
// runs on the loop goroutine, one at a time, so loop-owned state needs no
// lock.
func Example() {
	loop, err := reactor.New(reactor.WithName("example"))
	if err != nil {
		log.Fatal(err)
	}
	loop.Start() // returns once the loop runs

	count := 0 // owned by the loop
	done := make(chan struct{})
	loop.RunInLoop(func() {
		count++
		fmt.Println("functor on the loop:", loop.InLoop())
	})
	loop.RunAfter(10*time.Millisecond, func() {
		count++
		fmt.Println("timer on the loop:", loop.InLoop(), "count", count)
		close(done)
	})
	<-done
	fmt.Println("caller on the loop:", loop.InLoop())
	loop.Quit()
	<-loop.Done()
	// Output:
	// functor on the loop: true
	// timer on the loop: true count 2
	// caller on the loop: false
}
