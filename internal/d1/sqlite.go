package d1

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"zombiezen.com/go/sqlite"
)

// DB is a D1 database in one SQLite file, journaled in WAL with
// synchronous=FULL: an acknowledged write is on disk. The file opens with
// the sqlite3 tool. The bookmark counter is the header's user_version,
// which workers cannot reach (D1 refuses that PRAGMA); _cf_KV is the table
// D1 keeps for itself, out of the workers' reach like every _cf_ table.
type DB struct {
	mu     sync.Mutex // the connection
	qmu    sync.Mutex // queue
	queue  []*job     // calls waiting for the connection (transaction)
	conn   *sqlite.Conn
	pol    *policy
	path   string
	closed bool
	settle func() error // Options.Settle
}

// OpenFile opens (creating when absent) the database at path.
func OpenFile(path string) (*DB, error) { return Open(path, Options{}) }

// Options change how a database file is kept.
type Options struct {
	// Replicated is for a file whose durable home is elsewhere (a fleet's
	// storage ships its write-ahead log after every write): no fsync, and
	// the log is never checkpointed by this connection, so no frame leaves
	// it before it was shipped.
	Replicated bool
	// Settle, when set, runs after every transaction, with the connection
	// still held (nothing else commits meanwhile): a replicated database
	// ships its new log frames there. When it fails, the calls of that
	// transaction fail.
	Settle func() error
}

// Open opens (creating when absent) the database at path.
func Open(path string, opts Options) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("d1: creating %s: %w", filepath.Dir(path), err)
	}
	conn, err := sqlite.OpenConn(path, sqlite.OpenReadWrite|sqlite.OpenCreate|sqlite.OpenWAL)
	if err != nil {
		return nil, fmt.Errorf("d1: opening %s: %w", path, err)
	}
	conn.SetBusyTimeout(10 * time.Second)
	d := &DB{conn: conn, pol: &policy{}, path: path, settle: opts.Settle}
	pragmas := []string{"PRAGMA synchronous=FULL"}
	if opts.Replicated {
		pragmas = []string{"PRAGMA synchronous=OFF", "PRAGMA wal_autocheckpoint=0"}
	}
	for _, q := range append(pragmas,
		"PRAGMA foreign_keys=ON", // D1 enforces foreign keys
		"CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID",
	) {
		if _, err := d.query(q); err != nil {
			conn.Close()
			return nil, fmt.Errorf("d1: preparing %s: %w", path, err)
		}
	}
	conn.Limit(sqlite.LimitSQLLength, MaxSQLLength)
	conn.Limit(sqlite.LimitVariableNumber, MaxParams)
	conn.Limit(sqlite.LimitLength, MaxValueSize)
	conn.Limit(sqlite.LimitColumn, MaxColumns)
	conn.Limit(sqlite.LimitFunctionArg, MaxFuncArgs)
	conn.Limit(sqlite.LimitAttached, 0)
	if err := conn.SetAuthorizer(d.pol); err != nil {
		conn.Close()
		return nil, fmt.Errorf("d1: %w", err)
	}
	return d, nil
}

// Path is the database file.
func (d *DB) Path() string { return d.path }

// Close closes the database; later calls fail.
func (d *DB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.conn.Close()
}

// query runs one statement of Outpost's own (not subject to the policy)
// and returns its first row.
func (d *DB) query(q string, args ...any) ([]any, error) {
	d.pol.trusted = true
	defer func() { d.pol.trusted = false }()
	st, _, err := d.conn.PrepareTransient(q)
	if err != nil {
		return nil, err
	}
	defer st.Finalize()
	for i, a := range args {
		bind(st, i+1, a)
	}
	var first []any
	for {
		row, err := st.Step()
		if err != nil {
			return nil, err
		}
		if !row {
			return first, nil
		}
		if first == nil {
			first = readRow(st)
		}
	}
}

// Bookmark is the number of write transactions committed, in hex (kept in
// the file's user_version; a database holds up to 2³¹-1 of them).
func (d *DB) Bookmark(ctx context.Context) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return "", errClosed
	}
	row, err := d.query("PRAGMA user_version")
	if err != nil || len(row) == 0 {
		return "", fmt.Errorf("d1: reading the bookmark: %v", err)
	}
	if d.settle != nil {
		if err := d.settle(); err != nil {
			return "", err
		}
	}
	return bookmark(row[0].(int64)), nil
}

func bookmark(n int64) string { return fmt.Sprintf("%016x", n) }

var errClosed = &Error{Message: "D1 database is closed"}

// state is what a statement's metadata is computed from.
type state struct {
	totalChanges, lastRowID, size, schema int64
}

func (d *DB) state() (state, error) {
	row, err := d.query(`SELECT total_changes(), last_insert_rowid(),
		((SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count())) * (SELECT page_size FROM pragma_page_size()),
		(SELECT schema_version FROM pragma_schema_version())`)
	if err != nil {
		return state{}, err
	}
	return state{row[0].(int64), row[1].(int64), row[2].(int64), row[3].(int64)}, nil
}

// Batch runs stmts in one transaction.
func (d *DB) Batch(ctx context.Context, stmts []Statement) ([]Result, error) {
	var results []Result
	err := d.transaction(ctx, func(cur *state) error {
		results = nil // a retried group runs this again
		for _, s := range stmts {
			if isEmptySQL(s.SQL) {
				continue // as Miniflare, which drops queries of comments only
			}
			rs, err := d.run(s, false, cur)
			if err != nil {
				return err
			}
			results = append(results, rs[0])
		}
		return nil
	}, len(stmts) == 0 || allEmpty(stmts), true)
	return results, err
}

// Exec runs a script of statements (without parameters) in one
// transaction and returns each statement's result (`outpost d1 execute`,
// migrations). It is not held to QueryDuration: ctx bounds it.
func (d *DB) Exec(ctx context.Context, script string) ([]Result, error) {
	var results []Result
	err := d.transaction(ctx, func(cur *state) error {
		rs, err := d.run(Statement{SQL: script}, true, cur)
		results = rs
		return err
	}, isEmptySQL(script), false)
	return results, err
}

func allEmpty(stmts []Statement) bool {
	for _, s := range stmts {
		if !isEmptySQL(s.SQL) {
			return false
		}
	}
	return true
}

// job is one Batch or Exec waiting for its turn on the connection.
type job struct {
	ctx     context.Context
	timeout bool                   // held to QueryDuration (worker queries; not CLI scripts)
	run     func(cur *state) error // may run again when its group is retried
	err     error
	done    bool
}

// transaction runs f atomically and durably. Calls that arrive while the
// connection is busy are committed together (group commit): each runs
// inside a savepoint of one transaction, so a failing one rolls back
// alone, and one fsync makes them all durable; none returns before it.
func (d *DB) transaction(ctx context.Context, f func(cur *state) error, empty, timeout bool) error {
	if empty {
		return &Error{Message: "No SQL statements detected."}
	}
	j := &job{ctx: ctx, run: f, timeout: timeout}
	d.qmu.Lock()
	d.queue = append(d.queue, j)
	d.qmu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if j.done {
		return j.err
	}
	d.qmu.Lock()
	group := d.queue
	d.queue = nil
	d.qmu.Unlock()
	if d.closed {
		for _, g := range group {
			g.err, g.done = errClosed, true
		}
		return errClosed
	}
	for len(group) > 0 {
		group = d.commitGroup(group)
	}
	return j.err
}

// commitGroup runs jobs in one transaction and returns those to run again
// (when a failure made SQLite roll the whole transaction back).
func (d *DB) commitGroup(group []*job) []*job {
	finish := func(jobs []*job, err error) {
		for _, g := range jobs {
			g.err, g.done = err, true
		}
	}
	if _, err := d.query("BEGIN IMMEDIATE"); err != nil {
		finish(group, d.sqlError(err))
		return nil
	}
	before, err := d.state()
	if err != nil {
		d.query("ROLLBACK")
		finish(group, d.sqlError(err))
		return nil
	}
	cur := before
	var ran []*job
	for i, g := range group {
		if err := g.ctx.Err(); err != nil {
			finish([]*job{g}, err)
			continue
		}
		if _, err := d.query("SAVEPOINT job"); err != nil {
			finish([]*job{g}, d.sqlError(err))
			continue
		}
		ctx, cancel := g.ctx, context.CancelFunc(func() {})
		if g.timeout {
			ctx, cancel = context.WithTimeout(g.ctx, QueryDuration*time.Second)
		}
		d.conn.SetInterrupt(ctx.Done())
		err := g.run(&cur)
		d.conn.SetInterrupt(nil)
		cancel()
		if err == nil {
			if _, err = d.query("RELEASE job"); err == nil {
				ran = append(ran, g)
				continue
			}
		}
		finish([]*job{g}, d.sqlError(err))
		if d.conn.AutocommitEnabled() {
			// SQLite ended the transaction itself (an interrupted write,
			// a full disk): the jobs before this one are gone too.
			return append(ran, group[i+1:]...)
		}
		d.query("ROLLBACK TO job")
		d.query("RELEASE job")
		if cur, err = d.state(); err != nil {
			d.query("ROLLBACK")
			finish(ran, d.sqlError(err))
			finish(group[i+1:], d.sqlError(err))
			return nil
		}
	}
	err = nil
	if cur.totalChanges != before.totalChanges || cur.schema != before.schema {
		var row []any
		if row, err = d.query("PRAGMA user_version"); err == nil {
			_, err = d.query(fmt.Sprintf("PRAGMA user_version = %d", row[0].(int64)+1))
		}
	}
	if err == nil {
		_, err = d.query("COMMIT")
	}
	if err != nil {
		d.query("ROLLBACK")
		finish(ran, d.sqlError(err))
		return nil
	}
	if d.settle != nil {
		if err := d.settle(); err != nil {
			finish(ran, err)
			return nil
		}
	}
	finish(ran, nil)
	return nil
}

// run executes one statement, which may be several SQL statements: with
// each set, every one gives a result; else only the last does (as
// workerd's SQL API), and only the last may have parameters.
// cur is the database's state before the statement; run leaves it at the
// state after.
func (d *DB) run(s Statement, each bool, cur *state) ([]Result, error) {
	var out []Result
	rest := s.SQL
	tooBig := &Error{Message: "string or blob too big: SQLITE_TOOBIG"}
	if each {
		// A script (a dump, a migration) may be long; each of its
		// statements is held to D1's limit below.
		d.conn.Limit(sqlite.LimitSQLLength, maxScript)
		defer d.conn.Limit(sqlite.LimitSQLLength, MaxSQLLength)
	} else if len(rest) > MaxSQLLength {
		return nil, tooBig
	}
	var last *Result
	first, began := *cur, time.Now()
	for !isEmptySQL(rest) {
		start := time.Now()
		before := *cur
		d.pol.refusal = ""
		st, n, err := d.prepareNext(rest, each)
		if err != nil {
			return nil, d.sqlError(err)
		}
		consumed := rest[:n]
		rest = rest[n:]
		if isEmptySQL(consumed) {
			st.Finalize()
			continue
		}
		if len(strings.TrimSpace(consumed)) > MaxSQLLength {
			st.Finalize()
			return nil, tooBig
		}
		final := isEmptySQL(rest)
		res, err := d.step(st, s.Params, final || each)
		st.Finalize()
		if err != nil {
			return nil, err
		}
		after, err := d.state()
		if err != nil {
			return nil, d.sqlError(err)
		}
		*cur = after
		changes := after.totalChanges - before.totalChanges
		res.Meta = Meta{
			ServedBy:    ServedBy,
			Duration:    float64(time.Since(start).Microseconds()) / 1000,
			Changes:     changes,
			LastRowID:   after.lastRowID,
			ChangedDB:   changes != 0 || after.lastRowID != before.lastRowID || after.size != before.size || after.schema != before.schema,
			SizeAfter:   after.size,
			RowsRead:    int64(len(res.Rows)) + changes,
			RowsWritten: changes,
		}
		if each {
			out = append(out, res)
		}
		last = &res
	}
	if !each {
		if last == nil {
			last = &Result{Meta: Meta{ServedBy: ServedBy}}
		}
		// Several statements in one query: as wrangler dev, the rows and
		// row counts are the last statement's, the changes the query's.
		changes := cur.totalChanges - first.totalChanges
		last.Meta.Duration = float64(time.Since(began).Microseconds()) / 1000
		last.Meta.Changes = changes
		last.Meta.ChangedDB = changes != 0 || cur.lastRowID != first.lastRowID || cur.size != first.size || cur.schema != first.schema
		out = []Result{*last}
	}
	return out, nil
}

// maxScript bounds a script given to Exec.
const maxScript = 1 << 30

// prepareNext prepares the first statement of rest and says how many bytes
// it took. A long script is given to SQLite a window at a time (copying
// all of it for every statement would take quadratic time); a statement
// that may go on past the window is prepared again from a larger one.
func (d *DB) prepareNext(rest string, windowed bool) (*sqlite.Stmt, int, error) {
	for window := 256 << 10; ; window *= 2 {
		chunk := rest
		if windowed && len(rest) > window {
			chunk = rest[:window]
		}
		st, trailing, err := d.conn.PrepareTransient(chunk)
		if len(chunk) < len(rest) && (err != nil || trailing == 0) {
			if err == nil {
				st.Finalize()
			}
			continue
		}
		return st, len(chunk) - trailing, err
	}
}

// step binds params (when withParams) and runs st to its end.
func (d *DB) step(st *sqlite.Stmt, params []any, withParams bool) (Result, error) {
	n := st.BindParamCount()
	if !withParams && n > 0 {
		return Result{}, &Error{Message: "When executing multiple SQL statements in a single call, only the last statement can have parameters."}
	}
	if withParams && n != len(params) {
		return Result{}, &Error{Message: "Wrong number of parameter bindings for SQL query."}
	}
	if withParams {
		for i, p := range params {
			if err := bind(st, i+1, p); err != nil {
				return Result{}, err
			}
		}
	}
	var res Result
	res.Columns = make([]string, st.ColumnCount())
	for i := range res.Columns {
		res.Columns[i] = st.ColumnName(i)
	}
	for {
		row, err := st.Step()
		if err != nil {
			return Result{}, d.sqlError(err)
		}
		if !row {
			break
		}
		res.Rows = append(res.Rows, readRow(st))
	}
	return res, nil
}

func bind(st *sqlite.Stmt, i int, v any) error {
	switch t := v.(type) {
	case nil:
		st.BindNull(i)
	case int64:
		st.BindInt64(i, t)
	case float64:
		st.BindFloat(i, t)
	case string:
		st.BindText(i, t)
	case []byte:
		st.BindBytes(i, t)
	default:
		return &Error{Message: fmt.Sprintf("D1 cannot bind a value of type %T", v)}
	}
	return nil
}

func readRow(st *sqlite.Stmt) []any {
	row := make([]any, st.ColumnCount())
	for i := range row {
		switch st.ColumnType(i) {
		case sqlite.TypeInteger:
			row[i] = st.ColumnInt64(i)
		case sqlite.TypeFloat:
			row[i] = st.ColumnFloat(i)
		case sqlite.TypeText:
			row[i] = st.ColumnText(i)
		case sqlite.TypeBlob:
			b := make([]byte, st.ColumnLen(i))
			st.ColumnBytes(i, b)
			row[i] = b
		}
	}
	return row
}

// sqlError words a SQLite failure as D1 does: SQLite's message, then the
// primary result code ("UNIQUE constraint failed: t.id: SQLITE_CONSTRAINT").
func (d *DB) sqlError(err error) error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	code := sqlite.ErrCode(err)
	primary := code.ToPrimary()
	if primary == sqlite.ResultAuth && d.pol.refusal != "" {
		return &Error{Message: d.pol.refusal}
	}
	msg := err.Error()
	if i := strings.Index(msg, code.Message()+": "); i >= 0 {
		msg = msg[i+len(code.Message())+2:]
	} else if i := strings.Index(msg, primary.Message()+": "); i >= 0 {
		msg = msg[i+len(primary.Message())+2:]
	} else if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "sqlite: ") {
		msg = msg[i+2:]
	}
	return &Error{Message: msg + ": " + primary.String()}
}

// isEmptySQL reports whether s holds only white space, semicolons and
// comments.
func isEmptySQL(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ';':
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return true
			}
			i += j + 3
		default:
			return false
		}
	}
	return true
}
