package weburl

import "strings"

// URL is a parsed URL record. Strings hold the already percent-encoded,
// serialised form of each component.
type URL struct {
	Scheme   string
	Username string
	Password string
	// Host is the serialised host (IPv6 in brackets). HasHost distinguishes a
	// null host (false) from the empty host (true, Host == "").
	Host    string
	HasHost bool
	// Port is the decimal port, or "" when null (absent or the scheme's default).
	Port string
	// Query and Fragment are nil when absent; an empty string means "?" or "#"
	// with nothing after it.
	Query    *string
	Fragment *string

	// path holds the segments of a hierarchical path, or the single opaque
	// path string when opaque is set (e.g. "mailto:x", "javascript:...").
	path   []string
	opaque bool
}

var specialPorts = map[string]string{
	"ftp":   "21",
	"file":  "",
	"http":  "80",
	"https": "443",
	"ws":    "80",
	"wss":   "443",
}

func isSpecialScheme(s string) bool {
	_, ok := specialPorts[s]
	return ok
}

// defaultPort reports the default port of a special scheme other than file.
func defaultPort(scheme string) (string, bool) {
	p, ok := specialPorts[scheme]
	return p, ok && p != ""
}

// IsSpecial reports whether the URL's scheme is one of the special schemes.
func (u *URL) IsSpecial() bool { return isSpecialScheme(u.Scheme) }

// HasOpaquePath reports whether the path is an opaque string rather than segments.
func (u *URL) HasOpaquePath() bool { return u.opaque }

func (u *URL) hasCredentials() bool { return u.Username != "" || u.Password != "" }

// cannotHaveCredentialsOrPort is the standard's "cannot have a
// username/password/port" condition.
func (u *URL) cannotHaveCredentialsOrPort() bool {
	return !u.HasHost || u.Host == "" || u.Scheme == "file"
}

// Pathname returns the serialised path as the pathname getter shows it.
func (u *URL) Pathname() string {
	if u.opaque {
		if len(u.path) == 0 {
			return ""
		}
		return u.path[0]
	}
	n := 0
	for _, s := range u.path {
		n += len(s) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for _, s := range u.path {
		b.WriteByte('/')
		b.WriteString(s)
	}
	return b.String()
}

// Href serialises the URL.
func (u *URL) Href() string { return u.serialize(false) }

func (u *URL) serialize(excludeFragment bool) string {
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteByte(':')
	if u.HasHost {
		b.WriteString("//")
		if u.hasCredentials() {
			b.WriteString(u.Username)
			if u.Password != "" {
				b.WriteByte(':')
				b.WriteString(u.Password)
			}
			b.WriteByte('@')
		}
		b.WriteString(u.Host)
		if u.Port != "" {
			b.WriteByte(':')
			b.WriteString(u.Port)
		}
	} else if !u.opaque && len(u.path) > 1 && u.path[0] == "" {
		// Keeps "web+demo:/.//not-a-host/" from re-parsing as a host.
		b.WriteString("/.")
	}
	b.WriteString(u.Pathname())
	if u.Query != nil {
		b.WriteByte('?')
		b.WriteString(*u.Query)
	}
	if !excludeFragment && u.Fragment != nil {
		b.WriteByte('#')
		b.WriteString(*u.Fragment)
	}
	return b.String()
}

// String returns Href.
func (u *URL) String() string { return u.Href() }

// Origin returns the ASCII serialisation of the URL's origin, "null" for an
// opaque origin.
func (u *URL) Origin() string {
	switch u.Scheme {
	case "blob":
		// The origin of blob:https://example.com/uuid is that of the inner URL,
		// for http(s) inner URLs only.
		inner, err := Parse(u.Pathname(), nil)
		if err == nil && (inner.Scheme == "http" || inner.Scheme == "https") {
			return inner.Origin()
		}
		return "null"
	case "ftp", "http", "https", "ws", "wss":
		s := u.Scheme + "://" + u.Host
		if u.Port != "" {
			s += ":" + u.Port
		}
		return s
	}
	return "null"
}

// Hostname returns the serialised host, "" for a null host.
func (u *URL) Hostname() string { return u.Host }

// HostPort returns the host getter's value: host and, when set, ":" port.
func (u *URL) HostPort() string {
	if !u.HasHost {
		return ""
	}
	if u.Port == "" {
		return u.Host
	}
	return u.Host + ":" + u.Port
}

// Search returns the search getter's value: "" or "?" + query.
func (u *URL) Search() string {
	if u.Query == nil || *u.Query == "" {
		return ""
	}
	return "?" + *u.Query
}

// Hash returns the hash getter's value: "" or "#" + fragment.
func (u *URL) Hash() string {
	if u.Fragment == nil || *u.Fragment == "" {
		return ""
	}
	return "#" + *u.Fragment
}

// Components returns the values the JavaScript URL class caches, in the order
// of the urlParse op: href, protocol, username, password, hostname, port,
// pathname, search, hash.
func (u *URL) Components() []string {
	return []string{
		u.Href(), u.Scheme + ":", u.Username, u.Password, u.Host, u.Port,
		u.Pathname(), u.Search(), u.Hash(),
	}
}

// Clone returns a deep copy.
func (u *URL) Clone() *URL {
	c := *u
	c.path = append([]string(nil), u.path...)
	if u.Query != nil {
		q := *u.Query
		c.Query = &q
	}
	if u.Fragment != nil {
		f := *u.Fragment
		c.Fragment = &f
	}
	return &c
}

func strPtr(s string) *string { return &s }
