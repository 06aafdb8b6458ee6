package knock

import (
	"fmt"
	"runtime/debug"

	"github.com/knock-tf/terraform-provider-knock/internal/knockhttp"
)

// IsNotFound reports whether err is Knock's own not-found answer, which on these endpoints means an
// unknown audience. Any other 404 (a route the server lacks, a proxy's page) comes from something that is
// not Knock's API, most often a wrong base URL: read as "gone", it would make Terraform forget resources
// and report members removed that stay.
func IsNotFound(err error) bool { return knockhttp.IsNotFound(err) }

// PanicError is a panic recovered in a goroutine that the client or the provider started (a write
// worker, a shared call), which no RPC's recovery covers: unrecovered, it would end the plugin and every
// operation of the run with it.
type PanicError struct {
	Value any    // the value passed to panic
	Stack string // the goroutine's stack where it panicked
}

// Error says that the provider failed, asks for a report, and shows the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("the provider failed unexpectedly (panic: %v). This is a bug in the provider; please report it "+
		"with this message and the stack below.\n\n%s", e.Value, e.Stack)
}

// RecoverAsError turns the panic of a function of such a goroutine, where it is deferred, into *errp.
func RecoverAsError(errp *error) {
	if r := recover(); r != nil {
		*errp = &PanicError{Value: r, Stack: string(debug.Stack())}
	}
}
