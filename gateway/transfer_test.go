package gateway

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"syscall"
	"testing"
)

// TestClientFault checks which transfer errors are the client's doing,
// including those a test cannot provoke over loopback on demand.
func TestClientFault(t *testing.T) {
	netErr := func(errno error) error {
		return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", errno)}
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{os.ErrDeadlineExceeded, "stalled"},
		{&net.OpError{Op: "readfrom", Net: "tcp", Err: os.ErrDeadlineExceeded}, "stalled"},
		{io.ErrUnexpectedEOF, "left"},
		{fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF), "left"},
		{netErr(syscall.ECONNRESET), "left"},
		{netErr(syscall.EPIPE), "left"},
		{netErr(syscall.ETIMEDOUT), "left"},
		{net.ErrClosed, "left"},
		// The server's own failures and a malformed body are not.
		{&fs.PathError{Op: "read", Path: "/images/x", Err: syscall.EIO}, ""},
		{errors.New("invalid byte in chunk length"), ""},
		{io.EOF, ""},
	} {
		if got := clientFault(c.err); got != c.want {
			t.Errorf("clientFault(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
