package assets

import (
	"strings"
)

// resolution is where a request path leads: a file to serve, a redirect
// to the canonical path, or nothing.
type resolution struct {
	file     string // path of the file under the directory, "/a/b.html"
	redirect string // the canonical path when it differs from the request's
}

// resolve applies html_handling (Cloudflare's "HTML handling" table) to a
// cleaned request path. exists reports whether a regular file is there.
func resolve(p, mode string, exists func(string) bool) (resolution, bool) {
	if mode == "none" {
		if p != "/" && !strings.HasSuffix(p, "/") && exists(p) {
			return resolution{file: p}, true
		}
		return resolution{}, false
	}
	// A file that is not HTML is served at its own path only.
	if !strings.HasSuffix(p, ".html") && !strings.HasSuffix(p, "/") && exists(p) {
		return resolution{file: p}, true
	}
	switch {
	case strings.HasSuffix(p, "/index.html"):
		if dir := strings.TrimSuffix(p, "index.html"); exists(p) {
			return canonical(p, folderPath(dir, mode), p), true
		}
	case strings.HasSuffix(p, ".html"):
		if exists(p) {
			return canonical(p, filePath(strings.TrimSuffix(p, ".html"), mode), p), true
		}
	case strings.HasSuffix(p, "/index"):
		dir := strings.TrimSuffix(p, "index")
		if exists(dir + "index.html") {
			return canonical(p, folderPath(dir, mode), dir+"index.html"), true
		}
	case strings.HasSuffix(p, "/"):
		if exists(p + "index.html") {
			return canonical(p, folderPath(p, mode), p+"index.html"), true
		}
		if stem := strings.TrimSuffix(p, "/"); stem != "" && exists(stem+".html") {
			return canonical(p, filePath(stem, mode), stem+".html"), true
		}
	}
	if strings.HasSuffix(p, "/") || strings.HasSuffix(p, ".html") {
		return resolution{}, false
	}
	if exists(p + ".html") {
		return canonical(p, filePath(p, mode), p+".html"), true
	}
	if exists(p + "/index.html") {
		return canonical(p, folderPath(p+"/", mode), p+"/index.html"), true
	}
	return resolution{}, false
}

func canonical(requested, want, file string) resolution {
	if requested == want {
		return resolution{file: file}
	}
	return resolution{file: file, redirect: want}
}

// filePath is where stem.html is served.
func filePath(stem, mode string) string {
	if mode == "force-trailing-slash" {
		return stem + "/"
	}
	return stem
}

// folderPath is where dir/index.html is served (dir ends with "/").
func folderPath(dir, mode string) string {
	if mode == "drop-trailing-slash" && dir != "/" {
		return strings.TrimSuffix(dir, "/")
	}
	return dir
}
