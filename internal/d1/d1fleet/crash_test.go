package d1fleet_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1fleet"
	"github.com/outpost-dev/outpost/internal/durable/fleet"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

// crashChild is the owner node killed by TestKillOwnerMidBurst: eight
// writers at once insert distinct numbers and print "ack N" once each
// insert returned.
func crashChild() {
	dsn, name, dir := os.Getenv("D1FLEET_DSN"), os.Getenv("D1FLEET_NAME"), os.Getenv("D1FLEET_DIR")
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	n, err := fleet.Start(ctx, fleet.Config{Pool: pool, Node: "d1-crash-owner", Addr: "127.0.0.1:0", LeaseTTL: time.Second})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	db, err := d1fleet.New(n.Store(dir)).Open(name)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	if _, err := db.Exec(ctx, "CREATE TABLE burst (n INTEGER PRIMARY KEY)"); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	for w := 0; w < 8; w++ {
		go func() {
			for i := w; ; i += 8 {
				_, err := db.Batch(ctx, []d1.Statement{{SQL: "INSERT INTO burst VALUES (?)", Params: []any{int64(i)}}})
				mu.Lock()
				if err != nil {
					fmt.Println("error", err)
					os.Exit(1)
				}
				fmt.Println("ack", i)
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestKillOwnerMidBurst kills the owner of a database with SIGKILL while it
// writes; the next owner has every write the dead one acknowledged.
func TestKillOwnerMidBurst(t *testing.T) {
	dsn := pgtest.DSN(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "D1FLEET_CHILD=1", "D1FLEET_DSN="+dsn, "D1FLEET_NAME=burst-db", "D1FLEET_DIR="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int64]bool{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			t.Fatalf("owner: %s", line)
		}
		if n, err := strconv.ParseInt(strings.TrimPrefix(line, "ack "), 10, 64); err == nil {
			acked[n] = true
		}
		if len(acked) >= 400 {
			break
		}
	}
	cmd.Process.Kill()
	// Acknowledgements still in the pipe count too.
	for sc.Scan() {
		if n, err := strconv.ParseInt(strings.TrimPrefix(sc.Text(), "ack "), 10, 64); err == nil {
			acked[n] = true
		}
	}
	cmd.Wait()
	if len(acked) < 400 {
		t.Fatalf("the owner acknowledged only %d writes", len(acked))
	}

	f := &fleetStore{dsn: dsn}
	s := f.node(t)
	var db *d1fleet.DB
	deadline := time.Now().Add(15 * time.Second)
	for {
		db, err = s.Open("burst-db")
		var held *fleet.HeldError
		if err == nil || !errors.As(err, &held) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond) // the dead owner's lease runs out
	}
	if err != nil {
		t.Fatal(err)
	}
	rs, err := db.Batch(context.Background(), []d1.Statement{{SQL: "SELECT n FROM burst"}})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int64]bool{}
	for _, row := range rs[0].Rows {
		stored[row[0].(int64)] = true
	}
	lost := 0
	for n := range acked {
		if !stored[n] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("after the crash %d of %d acknowledged inserts are missing (%d rows stored)", lost, len(acked), len(stored))
	}
}
