package fleet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

// TestCrashWriter is the node the crash test kills: run as a subprocess, it
// owns an object and writes to it in a loop, printing each write once it
// is acknowledged.
func TestCrashWriter(t *testing.T) {
	dsn := os.Getenv("OUTPOST_FLEET_CRASH_DSN")
	if dsn == "" {
		t.Skip("run by TestKillOwnerMidBurst")
	}
	ctx := context.Background()
	n, err := Start(ctx, Config{Pool: newPool(t, dsn), Node: "doomed", Addr: "doomed:1", LeaseTTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := n.Store(os.Getenv("OUTPOST_FLEET_CRASH_DIR"))
	id := os.Getenv("OUTPOST_FLEET_CRASH_ID")
	o, err := s.Object("w", "C", id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Exec("CREATE TABLE log (i INTEGER PRIMARY KEY, note TEXT)", nil); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("token %d\n", n.leases[ObjectKey("w", "C", id)].Token)
	for i := 0; ; i++ {
		// Alternate plain puts, big values and SQL in a transaction with
		// a put, so the burst has commits of every shape.
		switch i % 3 {
		case 0:
			err = o.Put([]durable.Entry{{Key: fmt.Sprintf("k%06d", i), Value: []byte(strconv.Itoa(i))}})
		case 1:
			err = o.Put([]durable.Entry{{Key: fmt.Sprintf("k%06d", i), Value: []byte(strings.Repeat(strconv.Itoa(i), 3000))}})
		case 2:
			if err = o.Begin(); err == nil {
				if _, err = o.Exec("INSERT INTO log VALUES (?, ?)", []any{int64(i), "row"}); err == nil {
					err = o.Put([]durable.Entry{{Key: fmt.Sprintf("k%06d", i), Value: []byte(strconv.Itoa(i))}})
				}
				if err == nil {
					err = o.End(true)
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("ack %d\n", i)
	}
}

// kill -9 of the owner in the middle of a burst of writes: another node
// (its own state directory, no shared file) takes the object over within
// seconds and restores it; every acknowledged write is there, and the
// killed node's token is refused.
func TestKillOwnerMidBurst(t *testing.T) {
	dsn := pgtest.DSN(t)
	id := durable.IDFromName("w/C", "crash")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$", "-test.v")
	cmd.Env = append(os.Environ(), "OUTPOST_FLEET_CRASH_DSN="+dsn, "OUTPOST_FLEET_CRASH_DIR="+t.TempDir(), "OUTPOST_FLEET_CRASH_ID="+id)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(out)
	var token int64
	acked := -1
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) == 2 && f[0] == "token" {
			token, _ = strconv.ParseInt(f[1], 10, 64)
		}
		if len(f) == 2 && f[0] == "ack" {
			acked, _ = strconv.Atoi(f[1])
			if acked == 300 {
				break
			}
		}
	}
	if acked != 300 || token == 0 {
		t.Fatalf("the writer stopped early: token %d, last ack %d (%v)", token, acked, lines.Err())
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	// Acknowledgements printed before the kill landed count too.
	for lines.Scan() {
		if f := strings.Fields(lines.Text()); len(f) == 2 && f[0] == "ack" {
			acked, _ = strconv.Atoi(f[1])
		}
	}
	cmd.Wait()
	killed := time.Now()
	t.Logf("killed the owner after %d acknowledged writes", acked+1)

	b := startNode(t, dsn, 5*time.Second, nil)
	sb := b.Store(t.TempDir())
	defer sb.Close()
	o := openWhenFree(t, sb, id, 5*time.Second)
	t.Logf("the object moved %v after the kill", time.Since(killed).Round(time.Millisecond))
	if lb := b.leases[ObjectKey("w", "C", id)]; lb.Token != token+1 {
		t.Errorf("the new owner's token is %d, the killed one's %d", lb.Token, token)
	}
	for i := 0; i <= acked; i++ {
		k := fmt.Sprintf("k%06d", i)
		v, ok := get(t, o, k)
		want := strconv.Itoa(i)
		if i%3 == 1 {
			want = strings.Repeat(want, 3000)
		}
		if !ok || v != want {
			t.Fatalf("acknowledged write %d is lost (%v)", i, ok)
		}
	}
	res, err := o.Exec("SELECT count(*) FROM log WHERE i <= ?", []any{int64(acked)})
	// Rows are written when i%3 == 2.
	if err != nil || res.Rows[0][0] != int64((acked+1)/3) {
		t.Errorf("log rows = %+v, %v", res, err)
	}
	if res, err := o.Exec("PRAGMA quick_check", nil); err != nil || res.Rows[0][0] != "ok" {
		t.Errorf("quick_check = %+v, %v", res, err)
	}
	// The killed node's token is fenced: a write under it is refused.
	ghost := &Node{cfg: Config{Node: "doomed", LeaseTTL: time.Second, Now: time.Now}, pool: b.pool}
	err = ghost.commit(context.Background(), &Lease{n: ghost, Object: ObjectKey("w", "C", id), Token: token},
		&commit{pageSize: 4096, pages: map[uint32][]byte{1: make([]byte, 4096)}, dbPages: 1}, nil)
	if !errors.Is(err, ErrLost) {
		t.Errorf("a write under the killed node's token: %v", err)
	}
	if _, ok := get(t, o, fmt.Sprintf("k%06d", acked)); !ok {
		t.Error("the object broke after the fenced write")
	}
}
