// Package d1 is D1's storage: one SQLite database per D1 database, with
// the rules D1 applies to the SQL a worker sends (policy.go), its limits,
// its result metadata and its error messages. The binding
// (internal/bindings/d1) and `outpost d1` use it through Database, which a
// store on other storage can provide too (d1test is the suite every store
// passes).
package d1

import (
	"context"
	"io"
)

// Statement is one prepared statement with its bound values: nil, int64,
// float64, string or []byte.
type Statement struct {
	SQL    string
	Params []any
}

// Result is what one statement gave: its columns and rows (values are nil,
// int64, float64, string or []byte) and D1's metadata.
type Result struct {
	Columns []string
	Rows    [][]any
	Meta    Meta
}

// Meta is the metadata wrangler dev's local D1 returns with every result.
type Meta struct {
	ServedBy    string  `json:"served_by"`
	Duration    float64 `json:"duration"`
	Changes     int64   `json:"changes"`
	LastRowID   int64   `json:"last_row_id"`
	ChangedDB   bool    `json:"changed_db"`
	SizeAfter   int64   `json:"size_after"`
	RowsRead    int64   `json:"rows_read"`
	RowsWritten int64   `json:"rows_written"`
}

// ServedBy names the instance in Meta.ServedBy.
const ServedBy = "outpost.db"

// Database is one D1 database.
type Database interface {
	// Batch runs statements in one transaction: all of them or, when one
	// fails, none (the error is an *Error).
	Batch(ctx context.Context, stmts []Statement) ([]Result, error)
	// Exec runs a script of statements without parameters in one
	// transaction and returns each statement's result.
	Exec(ctx context.Context, script string) ([]Result, error)
	// Bookmark names the database's latest committed state; bookmarks of
	// later states compare greater as strings.
	Bookmark(ctx context.Context) (string, error)
	// Dump writes the database as SQL statements (`outpost d1 export`).
	Dump(ctx context.Context, w io.Writer, opts DumpOptions) error
}

// BatchBookmarker is a Database that runs a batch and reads the bookmark
// after it in one call (a session's query; one trip to a remote owner).
type BatchBookmarker interface {
	BatchBookmark(ctx context.Context, stmts []Statement) ([]Result, string, error)
}

// Opener opens databases by name.
type Opener interface {
	Database(name string) (Database, error)
}

// Error is a statement D1 refused or SQLite failed: Message is the reason
// as D1 words it ("no such table: t: SQLITE_ERROR"); the binding prefixes
// it with "D1_ERROR: ".
type Error struct {
	Message string
}

func (e *Error) Error() string { return e.Message }

// Limits, as Cloudflare documents them for D1.
const (
	MaxSQLLength  = 100_000   // bytes in one SQL statement
	MaxParams     = 100       // bound parameters in one query
	MaxValueSize  = 2_000_000 // bytes in one string, BLOB or row
	MaxColumns    = 100       // columns in a table
	MaxFuncArgs   = 32        // arguments of one SQL function
	QueryDuration = 30        // seconds one batch may run
)
