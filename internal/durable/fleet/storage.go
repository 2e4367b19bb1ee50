package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/outpost-dev/outpost/internal/durable"
)

// ObjectKey is how the fleet names an object: worker/class/id.
func ObjectKey(worker, class, id string) string { return worker + "/" + class + "/" + id }

// Store is a durable.Store whose objects live in PostgreSQL: opening an
// object acquires its lease (a *HeldError when another node owns it) and
// restores its database under dir; every operation on it returns only once
// its writes are in PostgreSQL under the lease's token. Drop the object
// (Store.Drop) when OnLost reports its lease gone.
func (n *Node) Store(dir string) *durable.Store {
	return durable.NewReplicatedStore(dir, func(worker, class, id, path string) (durable.Replica, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*n.cfg.LeaseTTL)
		defer cancel()
		l, err := n.Acquire(ctx, ObjectKey(worker, class, id))
		if err != nil {
			return nil, err
		}
		if err := n.Restore(ctx, l, path); err != nil {
			l.Release(ctx)
			return nil, err
		}
		return &replica{lease: l, wal: walReader{path: path + "-wal"}}, nil
	})
}

// Restore writes the object's database, as PostgreSQL holds it, to path
// (replacing whatever the node had there) under a lease it holds.
func (n *Node) Restore(ctx context.Context, l *Lease, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + ".restore"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	tmp := path + ".restore"
	err := pgx.BeginTxFunc(ctx, n.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var pageSize, pageCount int64
		err := tx.QueryRow(ctx, `SELECT page_size, page_count FROM outpost_do_objects WHERE object = $1 AND owner = $2 AND token = $3`,
			l.Object, n.cfg.Node, l.Token).Scan(&pageSize, &pageCount)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %s (token %d)", ErrLost, l.Object, l.Token)
		}
		if err != nil || pageCount == 0 {
			return err
		}
		f, err := os.Create(tmp)
		if err != nil {
			return err
		}
		defer f.Close()
		rows, err := tx.Query(ctx, `SELECT pgno, data FROM outpost_do_pages WHERE object = $1 AND pgno <= $2 ORDER BY pgno`, l.Object, pageCount)
		if err != nil {
			return err
		}
		defer rows.Close()
		var want int64 = 1
		for rows.Next() {
			var pgno int64
			var data []byte
			if err := rows.Scan(&pgno, &data); err != nil {
				return err
			}
			if pgno != want || int64(len(data)) != pageSize {
				return fmt.Errorf("fleet: %s: page %d of %d bytes where page %d of %d was expected", l.Object, pgno, len(data), want, pageSize)
			}
			if _, err := f.Write(data); err != nil {
				return err
			}
			want++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if want != pageCount+1 {
			return fmt.Errorf("fleet: %s: %d pages stored, %d expected", l.Object, want-1, pageCount)
		}
		if err := f.Close(); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	})
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("fleet: restoring %s: %w", l.Object, err)
	}
	return nil
}

// commit stores the pages of c under the lease, or refuses when the lease
// is no longer the object's current one.
func (n *Node) commit(ctx context.Context, l *Lease, c *commit, alarm *int64) error {
	pgnos := make([]int64, 0, len(c.pages))
	for p := range c.pages {
		pgnos = append(pgnos, int64(p))
	}
	sort.Slice(pgnos, func(i, j int) bool { return pgnos[i] < pgnos[j] })
	pages := make([][]byte, len(pgnos))
	for i, p := range pgnos {
		pages[i] = c.pages[uint32(p)]
	}
	_, err := n.pool.Exec(ctx, `SELECT outpost_do_commit($1, $2, $3, $4, $5, $6, $7, $8)`,
		l.Object, n.cfg.Node, l.Token, c.pageSize, int64(c.dbPages), alarm, pgnos, pages)
	if IsFenced(err) {
		l.markLost()
		return fmt.Errorf("%w: %s (token %d): PostgreSQL refused the write", ErrLost, l.Object, l.Token)
	}
	if err != nil {
		return err
	}
	n.commits.Add(1)
	n.pages.Add(int64(len(pages)))
	n.bytes.Add(int64(len(pages) * c.pageSize))
	return nil
}

// replica ships one object's commits; the object calls it with its lock
// held, so calls never overlap.
type replica struct {
	lease *Lease
	wal   walReader
	once  sync.Once
}

func (r *replica) Sync(wrote bool, alarm func() (time.Time, bool)) error {
	if err := r.lease.Check(); err != nil || !wrote {
		return err
	}
	c, err := r.wal.next()
	if err != nil {
		return err
	}
	if c == nil {
		return nil
	}
	var ms *int64
	if at, ok := alarm(); ok {
		v := at.UnixMilli()
		ms = &v
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.lease.n.cfg.LeaseTTL)
	defer cancel()
	return r.lease.n.commit(ctx, r.lease, c, ms)
}

func (r *replica) Close() error {
	var err error
	r.once.Do(func() {
		// Released even when lost here: the update only applies while the
		// lease is still this node's with this token, and frees the object
		// at once instead of after its expiry.
		ctx, cancel := context.WithTimeout(context.Background(), r.lease.n.cfg.LeaseTTL)
		defer cancel()
		err = r.lease.Release(ctx)
	})
	return err
}
