package pgtest

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

var (
	sharedOnce   sync.Once
	sharedServer *Server
	sharedErr    error
	databases    atomic.Int64
)

func shared() (*Server, error) {
	sharedOnce.Do(func() { sharedServer, sharedErr = Start() })
	return sharedServer, sharedErr
}

// DSN starts the test binary's server on first use and returns the DSN of a
// new, empty database that belongs to tb alone. The database outlives tb (a
// pool closed in a later cleanup may still use it); Main removes everything.
// Without PostgreSQL installed the test fails, saying what to install.
// Use Main in TestMain: without it the server still dies with the test binary
// (on Linux) but its files stay until a later Start removes them.
func DSN(tb testing.TB) string {
	tb.Helper()
	srv, err := shared()
	if err != nil {
		tb.Fatal(err)
	}
	dsn, err := srv.NewDatabase(databaseName(tb.Name(), databases.Add(1)))
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

// Main is for TestMain: it runs the tests, stops the server if one was
// started, removes its files and exits with the tests' status.
func Main(m *testing.M) {
	code := m.Run()
	// Do with an empty func orders this read after any start-up that ran;
	// if no test asked for a server it keeps one from starting now.
	sharedOnce.Do(func() {})
	if sharedServer != nil {
		if err := sharedServer.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// databaseName turns a test name into a readable, unique identifier that
// needs no quoting: "TestKV/list_cursor" → "t_testkv_list_cursor_7".
func databaseName(testName string, n int64) string {
	suffix := fmt.Sprintf("_%d", n)
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(testName) {
		if b.Len()+len(suffix) >= maxIdentifier {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	b.WriteString(suffix)
	return b.String()
}
