package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	superuser    = "postgres"
	startTimeout = 60 * time.Second
	stopTimeout  = 15 * time.Second
	// maxIdentifier is PostgreSQL's NAMEDATALEN-1: longer names are truncated
	// silently by the server, so we refuse them instead.
	maxIdentifier = 63
)

// Server is a running throw-away PostgreSQL cluster listening on 127.0.0.1.
// Anyone may connect as the superuser "postgres" without a password.
type Server struct {
	dir  string // temporary directory: data/, the unix socket, postgres.log
	port int

	cmd    *exec.Cmd
	exited chan struct{} // closed once the postmaster has exited
	mu     sync.Mutex    // serialises CREATE DATABASE (concurrent ones fight over template1)
	stop   sync.Once
	err    error // result of Stop
}

// Start creates a new cluster in a temporary directory and starts it. The
// caller must call Stop, which also removes the directory. If the calling
// process dies the server gets SIGQUIT and shuts down by itself.
func Start() (*Server, error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	removeStale()
	dir, err := os.MkdirTemp("", dirPattern)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: handing %s to user postgres: %w", dir, err)
		}
	}
	s := &Server{dir: dir}
	if err := s.initdb(binDir, cred); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// The free port we pick can be taken by someone else before postgres
	// binds it; try a few.
	for attempt := 0; ; attempt++ {
		err = s.startPostmaster(binDir, cred)
		if err == nil {
			return s, nil
		}
		if attempt == 4 || !errors.Is(err, errPortTaken) {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }
func (s *Server) logFile() string { return filepath.Join(s.dir, "postgres.log") }

func (s *Server) command(cred *syscall.Credential, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = s.dir // the postgres user may not be able to read our working directory
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "LANG=C", "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	return cmd
}

func (s *Server) initdb(binDir string, cred *syscall.Credential) error {
	cmd := s.command(cred, filepath.Join(binDir, "initdb"),
		"--pgdata", s.dataDir(), "--username", superuser, "--auth", "trust",
		"--encoding", "UTF8", "--locale", "C", "--no-sync")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: %s failed: %v\n%s", cmd.Path, err, bytes.TrimSpace(out))
	}
	return nil
}

var errPortTaken = errors.New("port already in use")

func (s *Server) startPostmaster(binDir string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	log, err := os.OpenFile(s.logFile(), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer log.Close() // the child holds its own copy
	cmd := s.command(cred, filepath.Join(binDir, "postgres"),
		"-D", s.dataDir(),
		"-p", fmt.Sprint(port),
		"-h", "127.0.0.1",
		"-k", s.dir,
		// Throw-away data: durability only costs time.
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=300",
		"-c", "shared_buffers=32MB",
	)
	cmd.Stdout, cmd.Stderr = log, log
	dieWithParent(cmd.SysProcAttr)
	// Own process group: a ^C at the terminal must not take the server down
	// before Stop runs.
	cmd.SysProcAttr.Setpgid = true

	started := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		// Pdeathsig fires when the thread that forked the child exits, not the
		// process; keep this thread alive, locked, until the server is gone.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: starting %s: %w", cmd.Path, err)
	}
	s.cmd, s.exited, s.port = cmd, exited, port
	return s.waitReady()
}

// waitReady polls until the server accepts connections or gives up.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			logText := s.logTail()
			if strings.Contains(logText, "could not bind") || strings.Contains(logText, "Address already in use") {
				return errPortTaken
			}
			return fmt.Errorf("pgtest: postgres exited during start-up (%v); its log %s says:\n%s", s.cmd.ProcessState, s.logFile(), logText)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.DSN(superuser))
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	s.kill()
	return fmt.Errorf("pgtest: postgres did not accept connections within %v (last error: %v); log:\n%s", startTimeout, lastErr, s.logTail())
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.logFile())
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(bytes.TrimSpace(b))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// DSN returns a pgx-usable connection string for database on this server,
// as the superuser.
func (s *Server) DSN(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     s.Addr(),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// NewDatabase creates an empty database called name and returns its DSN.
func (s *Server) NewDatabase(name string) (string, error) {
	if name == "" || len(name) > maxIdentifier {
		return "", fmt.Errorf("pgtest: database name %q must be 1 to %d bytes", name, maxIdentifier)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN(superuser))
	if err != nil {
		return "", fmt.Errorf("pgtest: connecting to %s: %w", s.Addr(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("pgtest: creating database %q: %w", name, err)
	}
	return s.DSN(name), nil
}

// Stop shuts the server down (fast shutdown: open sessions are ended) and
// removes its files. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stop.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			s.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-s.exited:
			case <-time.After(stopTimeout):
				s.kill()
				s.err = fmt.Errorf("pgtest: postgres did not shut down within %v; killed it", stopTimeout)
			}
		}
		if err := os.RemoveAll(s.dir); err != nil && s.err == nil {
			s.err = fmt.Errorf("pgtest: removing %s: %w", s.dir, err)
		}
	})
	return s.err
}

// kill ends the postmaster and its backends at once.
func (s *Server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	// The server runs in its own process group (Setpgid); take all of it.
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
}
