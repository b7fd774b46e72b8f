#include "textflag.h"

// func getg() uintptr
// Returns the address of the calling goroutine's g, which the runtime keeps
// in thread-local storage. Used only as an identity, never dereferenced.
TEXT ·getg(SB),NOSPLIT,$0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET
