package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/kv"
)

const crashChildEnv = "OUTPOST_KV_CRASH_CHILD_DIR"

// TestMain lets the crash test re-execute this binary as the writer.
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

// crashChild puts keys forever, printing each one after Put returned.
func crashChild(dir string) {
	s, err := OpenStateDir(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ns := kv.New(s, kv.Options{}).Namespace("crash")
	value := []byte(strings.Repeat("v", 4096))
	for i := 0; ; i++ {
		key := fmt.Sprintf("key-%07d", i)
		if err := ns.Put(context.Background(), key, value, kv.PutOptions{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(key)
	}
}

// TestAcknowledgedPutsSurviveKill9 kills a writer mid-burst and checks that
// every put it had acknowledged is in the database.
func TestAcknowledgedPutsSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	lines := bufio.NewScanner(out)
	deadline := time.Now().Add(20 * time.Second)
	for lines.Scan() {
		acked = append(acked, lines.Text())
		if len(acked) >= 300 || time.Now().After(deadline) {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Keys printed after our last read but before the kill count too.
	for lines.Scan() {
		acked = append(acked, lines.Text())
	}
	cmd.Wait()
	if len(acked) < 10 {
		t.Fatalf("the writer acknowledged only %d puts before the deadline", len(acked))
	}

	s, err := OpenStateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, key := range acked {
		if _, found, err := s.Get(t.Context(), "crash", key, 0); err != nil || !found {
			t.Fatalf("acknowledged put %q lost after kill -9 (%d acknowledged), err %v", key, len(acked), err)
		}
	}
	t.Logf("%d acknowledged puts all present after kill -9", len(acked))
}
