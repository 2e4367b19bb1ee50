package d1remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/outpost-dev/outpost/internal/d1"
)

// MovedError says the node a call was sent to does not own the database
// (another node holds its lease, or this node just lost it) and did not
// run the call: look the owner up again and send it there.
type MovedError struct {
	Database string
	Node     string // the node that refused
}

func (e *MovedError) Error() string {
	return fmt.Sprintf("d1: node %s does not own the D1 database %s", e.Node, e.Database)
}

// ErrUnreachable says the server could not be reached and nothing was
// delivered to it: the call may be sent again.
var ErrUnreachable = errors.New("d1: the node that owns the D1 database is unreachable")

// maxBody bounds a request: a batch of statements at D1's limits.
const maxBody = 64 << 20

// Handler serves the databases of open under prefix (such as
// "/outpost/d1/v1"); the caller authenticates the requests.
func Handler(prefix string, open d1.Opener) http.Handler {
	mux := http.NewServeMux()
	db := func(w http.ResponseWriter, r *http.Request) d1.Database {
		name := r.PathValue("name")
		if !d1.ValidName(name) {
			writeError(w, http.StatusBadRequest, fmt.Errorf("d1: %q is not a valid database name", name))
			return nil
		}
		d, err := open.Database(name)
		if err != nil {
			failed(w, err)
			return nil
		}
		return d
	}
	mux.HandleFunc("POST "+prefix+"/{name}/batch", func(w http.ResponseWriter, r *http.Request) {
		var req batchRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("d1: a malformed batch: %v", err))
			return
		}
		d := db(w, r)
		if d == nil {
			return
		}
		var a answer
		var err error
		if bb, ok := d.(d1.BatchBookmarker); ok && req.Bookmark {
			var rs []d1.Result
			rs, a.Bookmark, err = bb.BatchBookmark(r.Context(), fromStatements(req.Statements))
			a.Results = toResults(rs)
		} else {
			var rs []d1.Result
			if rs, err = d.Batch(r.Context(), fromStatements(req.Statements)); err == nil && req.Bookmark {
				a.Bookmark, err = d.Bookmark(r.Context())
			}
			a.Results = toResults(rs)
		}
		if err != nil {
			failed(w, err)
			return
		}
		writeAnswer(w, http.StatusOK, a)
	})
	mux.HandleFunc("POST "+prefix+"/{name}/exec", func(w http.ResponseWriter, r *http.Request) {
		var req execRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("d1: a malformed script: %v", err))
			return
		}
		d := db(w, r)
		if d == nil {
			return
		}
		rs, err := d.Exec(r.Context(), req.SQL)
		if err != nil {
			failed(w, err)
			return
		}
		writeAnswer(w, http.StatusOK, answer{Results: toResults(rs)})
	})
	mux.HandleFunc("GET "+prefix+"/{name}/bookmark", func(w http.ResponseWriter, r *http.Request) {
		d := db(w, r)
		if d == nil {
			return
		}
		b, err := d.Bookmark(r.Context())
		if err != nil {
			failed(w, err)
			return
		}
		writeAnswer(w, http.StatusOK, answer{Bookmark: b})
	})
	mux.HandleFunc("GET "+prefix+"/{name}/export", func(w http.ResponseWriter, r *http.Request) {
		d := db(w, r)
		if d == nil {
			return
		}
		q := r.URL.Query()
		opts := d1.DumpOptions{NoSchema: q.Get("no_schema") != "", NoData: q.Get("no_data") != "", Tables: q["table"]}
		// Dumped to memory first: a failure must not pass for a short dump.
		var buf strings.Builder
		if err := d.Dump(r.Context(), &buf, opts); err != nil {
			failed(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/sql; charset=utf-8")
		io.WriteString(w, buf.String())
	})
	return mux
}

func writeAnswer(w http.ResponseWriter, status int, a answer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(a)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeAnswer(w, status, answer{Error: errorToWire(err)})
}

// failed answers a call that failed: 421 when it did not run because the
// database is another node's; 422 for D1's own errors (the statement was
// refused or failed); 500 for the rest.
func failed(w http.ResponseWriter, err error) {
	var moved *MovedError
	var de *d1.Error
	switch {
	case errors.As(err, &moved):
		w.WriteHeader(http.StatusMisdirectedRequest)
	case errors.As(err, &de):
		writeError(w, http.StatusUnprocessableEntity, err)
	default:
		writeError(w, http.StatusInternalServerError, err)
	}
}
