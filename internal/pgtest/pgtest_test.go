package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

func TestDatabasesAreIsolated(t *testing.T) {
	ctx := context.Background()
	dsnA, dsnB := DSN(t), DSN(t)
	if dsnA == dsnB {
		t.Fatalf("two calls returned the same DSN %s", dsnA)
	}
	a, b := connect(t, dsnA), connect(t, dsnB)

	var nameA, nameB string
	if err := a.QueryRow(ctx, "SELECT current_database()").Scan(&nameA); err != nil {
		t.Fatal(err)
	}
	if err := b.QueryRow(ctx, "SELECT current_database()").Scan(&nameB); err != nil {
		t.Fatal(err)
	}
	if nameA == nameB || !strings.HasPrefix(nameA, "t_testdatabasesareisolated_") {
		t.Fatalf("databases %q and %q: want two distinct ones named after the test", nameA, nameB)
	}

	if _, err := a.Exec(ctx, "CREATE TABLE kv (k text PRIMARY KEY, v text)"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec(ctx, "INSERT INTO kv VALUES ('key', 'value')"); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := a.QueryRow(ctx, "SELECT v FROM kv WHERE k = 'key'").Scan(&v); err != nil || v != "value" {
		t.Fatalf("read back from A: %q, %v", v, err)
	}
	_, err := b.Exec(ctx, "SELECT * FROM kv")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" { // undefined_table
		t.Fatalf("table from database A visible in B? err = %v", err)
	}
}

func TestServerSettings(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, DSN(t))
	for setting, want := range map[string]string{
		"fsync":            "off",
		"listen_addresses": "127.0.0.1",
		"server_encoding":  "UTF8",
		"lc_collate":       "C",
	} {
		var got string
		if err := conn.QueryRow(ctx, "SELECT current_setting($1)", setting).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
}

func TestStartStopRemovesEverything(t *testing.T) {
	srv, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	dsn, err := srv.NewDatabase("app")
	if err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	if _, err := srv.NewDatabase("app"); err == nil || !strings.Contains(err.Error(), `"app"`) {
		t.Errorf("creating app twice: err = %v, want one naming the database", err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	// Stop must not wait for open sessions.
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(stopTimeout + 5*time.Second):
		t.Fatal("Stop hung with a session open")
	}
	conn.Close(ctx)
	if _, err := os.Stat(srv.dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists after Stop (stat: %v)", srv.dir, err)
	}
	if c, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Stop", srv.Addr())
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestNewDatabaseRejectsBadNames(t *testing.T) {
	srv, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", strings.Repeat("x", 64)} {
		if _, err := srv.NewDatabase(name); err == nil || !strings.Contains(err.Error(), "63") {
			t.Errorf("NewDatabase(%q): err = %v, want one stating the 63-byte limit", name, err)
		}
	}
	// Quoting keeps odd but legal names working.
	odd := fmt.Sprintf(`Mixed "Case" %d`, databases.Add(1))
	dsn, err := srv.NewDatabase(odd)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := connect(t, dsn).QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != odd {
		t.Errorf("connected to %q", name)
	}
}

func TestFindsNewestDebianVersion(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "16", "17beta"} {
		dir := root + "/" + v + "/bin"
		os.MkdirAll(dir, 0o755)
		for _, bin := range []string{"initdb", "postgres"} {
			if err := os.WriteFile(dir+"/"+bin, nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	saved := debianBinDirs
	debianBinDirs = root + "/*/bin"
	defer func() { debianBinDirs = saved }()
	if got, want := newestDebianBinDir(), root+"/16/bin"; got != want {
		t.Errorf("newestDebianBinDir() = %q, want %q", got, want)
	}
}

func TestDatabaseName(t *testing.T) {
	cases := []struct {
		test string
		n    int64
		want string
	}{
		{"TestKV", 1, "t_testkv_1"},
		{"TestKV/list cursor-2", 12, "t_testkv_list_cursor_2_12"},
		{strings.Repeat("A", 100), 7, "t_" + strings.Repeat("a", 59) + "_7"},
	}
	for _, c := range cases {
		got := databaseName(c.test, c.n)
		if got != c.want || len(got) > maxIdentifier {
			t.Errorf("databaseName(%q, %d) = %q, want %q", c.test, c.n, got, c.want)
		}
	}
}

func TestMissingBinariesSayWhatToInstall(t *testing.T) {
	t.Setenv(binDirEnv, t.TempDir())
	_, err := findBinDir()
	if err == nil || !strings.Contains(err.Error(), binDirEnv) {
		t.Fatalf("empty %s: err = %v", binDirEnv, err)
	}
	t.Setenv(binDirEnv, "")
	t.Setenv("PATH", t.TempDir())
	saved := debianBinDirs
	debianBinDirs = t.TempDir() + "/*/bin"
	defer func() { debianBinDirs = saved }()
	_, err = findBinDir()
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Fatalf("no binaries: err = %v, want install advice", err)
	}
}

func TestRemoveStaleKeepsLiveAndFreshClusters(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	old := time.Now().Add(-time.Hour)
	mk := func(name, pid string) string {
		dir := os.TempDir() + "/outpost-pgtest-" + name
		if err := os.MkdirAll(dir+"/data", 0o700); err != nil {
			t.Fatal(err)
		}
		if pid != "" {
			os.WriteFile(dir+"/data/postmaster.pid", []byte(pid+"\n/data\n"), 0o600)
		}
		return dir
	}
	dead := mk("dead", "999999999")
	noPid := mk("nopid", "")
	live := mk("live", strconv.Itoa(os.Getpid()))
	fresh := mk("fresh", "")
	for _, d := range []string{dead, noPid, live} {
		os.Chtimes(d, old, old)
	}
	removeStale()
	for dir, wantKept := range map[string]bool{dead: false, noPid: false, live: true, fresh: true} {
		_, err := os.Stat(dir)
		if kept := err == nil; kept != wantKept {
			t.Errorf("%s: kept = %v, want %v", dir, kept, wantKept)
		}
	}
}
