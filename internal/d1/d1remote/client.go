package d1remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/durable/forward"
)

// Client reaches the databases a server serves under a prefix.
type Client struct {
	// Base is the server, as host:port or a URL; Prefix the handler's.
	Base, Prefix string
	// Token is sent as "Authorization: Bearer …".
	Token string
	// HTTP is the client used (default: one with a 5 s dial timeout; ctx
	// bounds each call).
	HTTP *http.Client
}

// defaultHTTP is the fleet's node-to-node client, shared with Durable
// Objects' forwarding.
var defaultHTTP = forward.NodeHTTP

// Database is the database called name on the server.
func (c *Client) Database(name string) *Database { return &Database{c: c, name: name} }

// Database is one database on a server: a d1.Database whose calls run
// there.
type Database struct {
	c    *Client
	name string
}

func (c *Client) url(name, op string) string {
	base := c.Base
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		base = "http://" + base
	}
	return strings.TrimSuffix(base, "/") + c.Prefix + "/" + url.PathEscape(name) + "/" + op
}

// do sends one call; a 200 answer's body is returned open.
func (db *Database) do(ctx context.Context, method, op string, body any) (io.ReadCloser, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, db.c.url(db.name, op), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+db.c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := db.c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" {
			return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
		}
		return nil, fmt.Errorf("d1: reaching %s: %w", db.c.Base, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return resp.Body, nil
	case http.StatusMisdirectedRequest:
		resp.Body.Close()
		return nil, &MovedError{Database: db.name, Node: db.c.Base}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var a answer
	if json.Unmarshal(b, &a) == nil && a.Error != nil {
		return nil, a.Error.err()
	}
	return nil, fmt.Errorf("d1: %s answered %s: %s", db.c.Base, resp.Status, bytes.TrimSpace(b))
}

func (db *Database) answer(ctx context.Context, method, op string, body any) (*answer, error) {
	rc, err := db.do(ctx, method, op, body)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var a answer
	if err := json.NewDecoder(rc).Decode(&a); err != nil {
		return nil, fmt.Errorf("d1: a malformed answer from %s: %v", db.c.Base, err)
	}
	if a.Error != nil {
		return nil, a.Error.err()
	}
	return &a, nil
}

// Batch runs statements in one transaction on the server.
func (db *Database) Batch(ctx context.Context, stmts []d1.Statement) ([]d1.Result, error) {
	rs, _, err := db.batch(ctx, stmts, false)
	return rs, err
}

// BatchBookmark runs a batch and returns the bookmark after it.
func (db *Database) BatchBookmark(ctx context.Context, stmts []d1.Statement) ([]d1.Result, string, error) {
	return db.batch(ctx, stmts, true)
}

func (db *Database) batch(ctx context.Context, stmts []d1.Statement, bookmark bool) ([]d1.Result, string, error) {
	a, err := db.answer(ctx, http.MethodPost, "batch", batchRequest{Statements: toStatements(stmts), Bookmark: bookmark})
	if err != nil {
		return nil, "", err
	}
	return fromResults(a.Results), a.Bookmark, nil
}

// Exec runs a script in one transaction on the server.
func (db *Database) Exec(ctx context.Context, script string) ([]d1.Result, error) {
	a, err := db.answer(ctx, http.MethodPost, "exec", execRequest{SQL: script})
	if err != nil {
		return nil, err
	}
	return fromResults(a.Results), nil
}

// Bookmark is the database's bookmark.
func (db *Database) Bookmark(ctx context.Context) (string, error) {
	a, err := db.answer(ctx, http.MethodGet, "bookmark", nil)
	if err != nil {
		return "", err
	}
	return a.Bookmark, nil
}

// Dump writes the database as SQL.
func (db *Database) Dump(ctx context.Context, w io.Writer, opts d1.DumpOptions) error {
	q := url.Values{}
	if opts.NoSchema {
		q.Set("no_schema", "1")
	}
	if opts.NoData {
		q.Set("no_data", "1")
	}
	for _, t := range opts.Tables {
		q.Add("table", t)
	}
	op := "export"
	if len(q) > 0 {
		op += "?" + q.Encode()
	}
	rc, err := db.do(ctx, http.MethodGet, op, nil)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(w, rc)
	return err
}

// Retryable says whether a call failed before it ran (the node was
// unreachable, or did not own the database), so it may be sent again.
func Retryable(err error) bool {
	var moved *MovedError
	return errors.Is(err, ErrUnreachable) || errors.As(err, &moved)
}
