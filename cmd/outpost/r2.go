package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/project"
	"github.com/outpost-dev/outpost/internal/r2"
	"github.com/outpost-dev/outpost/internal/serve"
)

const r2Usage = `Usage:
  outpost r2 bucket create NAME
  outpost r2 bucket list
  outpost r2 bucket delete NAME
  outpost r2 object get BUCKET/KEY [--file FILE | --pipe]
  outpost r2 object put BUCKET/KEY (--file FILE | --pipe) [--content-type TYPE]
      [--content-disposition V] [--content-encoding V] [--content-language V]
      [--cache-control V]
  outpost r2 object delete BUCKET/KEY

It works on the same buckets as 'outpost dev' in the current directory
(files under .outpost/state/r2). Flags that pick the project: --config FILE,
--env NAME, --persist-to DIR. With --serve-config outpost.toml it works on the
S3-compatible store that file's [r2] section names, as 'outpost serve' does.
'object get' without --file or --pipe writes a file named after the key.
`

// runR2 runs `outpost r2 …`.
func runR2(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(stdout, r2Usage)
		if len(args) == 0 || (args[0] != "--help" && args[0] != "-h" && args[0] != "help") {
			return errUsage
		}
		return nil
	}
	rest, picks, err := takeFlags(args, "--config", "--env", "--persist-to", "--serve-config")
	if err != nil {
		return err
	}
	store, err := openR2ForCLI(picks)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	switch rest[0] + " " + rest[1] {
	case "bucket create", "bucket delete":
		if len(rest) != 3 {
			fmt.Fprint(stderr, r2Usage)
			return errUsage
		}
		if rest[1] == "create" {
			if err := store.CreateBucket(ctx, rest[2]); err != nil {
				return fmt.Errorf("creating bucket %s: %w", rest[2], err)
			}
			fmt.Fprintf(stdout, "Created bucket '%s'.\n", rest[2])
			return nil
		}
		if err := store.DeleteBucket(ctx, rest[2]); err != nil {
			return fmt.Errorf("deleting bucket %s: %w", rest[2], err)
		}
		fmt.Fprintf(stdout, "Deleted bucket '%s'.\n", rest[2])
		return nil
	case "bucket list":
		buckets, err := store.ListBuckets(ctx)
		if err != nil {
			return err
		}
		for _, b := range buckets {
			fmt.Fprintf(stdout, "name:           %s\ncreation_date:  %s\n\n", b.Name, b.Created.UTC().Format(time.RFC3339))
		}
		return nil
	case "object get", "object put", "object delete":
		return r2Object(ctx, store, rest[1], rest[2:], stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "outpost r2: unknown command %q\n\n%s", rest[0]+" "+rest[1], r2Usage)
	return errUsage
}

// openR2ForCLI opens the store a dev server of this project uses, or the
// one an outpost.toml names.
func openR2ForCLI(picks map[string]string) (r2.Store, error) {
	if p := picks["--serve-config"]; p != "" {
		cfg, err := serve.LoadConfig(p)
		if err != nil {
			return nil, err
		}
		return platform.OpenR2Store(cfg.StateDir, cfg.R2.S3)
	}
	dir := "."
	cfg, err := config.Load(config.Options{Dir: ".", ConfigPath: picks["--config"], Env: picks["--env"]})
	if err != nil && picks["--persist-to"] == "" {
		return nil, err
	}
	if err == nil {
		dir = cfg.Dir
	}
	stateDir, err := project.StateDir(dir, picks["--persist-to"])
	if err != nil {
		return nil, err
	}
	return platform.OpenR2Store(stateDir, nil)
}

func r2Object(ctx context.Context, store r2.Store, verb string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("outpost r2 object "+verb, r2Usage, stderr)
	file := fs.String("file", "", "the file to read (put) or write (get)")
	fs.StringVar(file, "f", "", "shorthand for --file")
	pipe := fs.Bool("pipe", false, "read the object from stdin (put) or write it to stdout (get)")
	fs.BoolVar(pipe, "p", false, "shorthand for --pipe")
	fs.Bool("local", true, "work on local state (the default; accepted for wrangler's sake)")
	var http r2.HTTPMetadata
	fs.StringVar(&http.ContentType, "content-type", "", "the object's Content-Type")
	fs.StringVar(&http.ContentType, "ct", "", "shorthand for --content-type")
	fs.StringVar(&http.ContentDisposition, "content-disposition", "", "the object's Content-Disposition")
	fs.StringVar(&http.ContentEncoding, "content-encoding", "", "the object's Content-Encoding")
	fs.StringVar(&http.ContentLanguage, "content-language", "", "the object's Content-Language")
	fs.StringVar(&http.CacheControl, "cache-control", "", "the object's Cache-Control")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, r2Usage)
		return errUsage
	}
	bucketName, key, ok := strings.Cut(pos[0], "/")
	if !ok || bucketName == "" || key == "" {
		return fmt.Errorf("%q is not BUCKET/KEY", pos[0])
	}
	bucket := r2.NewBucket(bucketName, store.Backend(bucketName))
	switch verb {
	case "get":
		o, body, err := bucket.Get(ctx, key, r2.GetOptions{})
		if err != nil {
			return err
		}
		if o == nil {
			return fmt.Errorf("the object %s/%s does not exist", bucketName, key)
		}
		defer body.Close()
		if *pipe {
			_, err := io.Copy(stdout, body)
			return err
		}
		dest := *file
		if dest == "" {
			dest = path.Base(key)
		}
		if err := writeFileAtomic(dest, body); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "Downloaded \"%s\" from \"%s\" to %s (%d bytes).\n", key, bucketName, dest, o.Size)
		return nil
	case "put":
		var src io.Reader
		var size int64
		switch {
		case *file != "" && !*pipe:
			f, err := os.Open(*file)
			if err != nil {
				return err
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			src, size = f, st.Size()
			if http.ContentType == "" {
				http.ContentType = mime.TypeByExtension(filepath.Ext(*file))
			}
		case *pipe && *file == "":
			// A size is needed up front: stdin goes to a temporary file first.
			tmp, err := os.CreateTemp("", "outpost-r2-*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			defer tmp.Close()
			if size, err = io.Copy(tmp, stdin); err != nil {
				return err
			}
			if _, err := tmp.Seek(0, io.SeekStart); err != nil {
				return err
			}
			src = tmp
		default:
			return errors.New("object put needs exactly one of --file FILE and --pipe")
		}
		o, err := bucket.Put(ctx, key, src, size, r2.PutOptions{HTTP: http})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "Uploaded \"%s\" to \"%s\" (%d bytes, etag %s).\n", key, bucketName, o.Size, o.ETag)
		return nil
	case "delete":
		if err := bucket.Delete(ctx, []string{key}); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "Deleted \"%s\" from \"%s\".\n", key, bucketName)
		return nil
	}
	return errUsage
}

// writeFileAtomic writes r to path through a temporary file, so an
// interrupted download leaves no half file.
func writeFileAtomic(dest string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".outpost-r2-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), dest)
}
