package durable

import "strings"

// refusedStatement names the first statement of query that a script may
// not run, or returns "". As on Cloudflare, a script cannot attach other
// databases or change how the database is journaled and synced: those
// would write outside the database file and its write-ahead log, which is
// what a fleet node ships before acknowledging a write.
func refusedStatement(query string) string {
	for _, words := range statementHeads(query) {
		if len(words) == 0 {
			continue
		}
		switch words[0] {
		case "attach", "detach":
			return strings.ToUpper(words[0])
		case "vacuum":
			for _, w := range words[1:] {
				if w == "into" {
					return "VACUUM INTO"
				}
			}
		case "pragma":
			if len(words) < 2 {
				continue
			}
			name := words[1]
			if i := strings.LastIndexByte(name, '.'); i >= 0 {
				name = name[i+1:]
			}
			switch name {
			case "wal_checkpoint":
				return "PRAGMA " + name
			case "journal_mode", "synchronous", "locking_mode", "wal_autocheckpoint",
				"journal_size_limit", "writable_schema", "temp_store_directory", "data_store_directory", "mmap_size":
				if len(words) > 2 { // setting it; reading it is fine
					return "PRAGMA " + name
				}
			}
		}
	}
	return ""
}

// statementHeads splits query into statements (outside string literals,
// quoted names and comments) and returns the first words of each, in
// lower case.
func statementHeads(query string) [][]string {
	var out [][]string
	var words []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			if len(words) < 8 {
				words = append(words, strings.ToLower(word.String()))
			}
			word.Reset()
		}
	}
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"' || c == '`' || c == '[':
			flush()
			end := c
			if c == '[' {
				end = ']'
			}
			j := i + 1
			for j < len(query) {
				if query[j] == end {
					if end != ']' && j+1 < len(query) && query[j+1] == end {
						j += 2 // a doubled quote
						continue
					}
					break
				}
				j++
			}
			if c != '\'' && len(words) < 8 {
				words = append(words, strings.ToLower(query[i+1:min(j, len(query))]))
			}
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			flush()
			for i < len(query) && query[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			flush()
			if j := strings.Index(query[i+2:], "*/"); j >= 0 {
				i += j + 3
			} else {
				i = len(query)
			}
		case c == ';':
			flush()
			out = append(out, words)
			words = nil
		case c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			word.WriteByte(c)
		default:
			flush()
		}
	}
	flush()
	return append(out, words)
}
