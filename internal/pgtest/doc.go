// Package pgtest runs a real, throw-away PostgreSQL server for tests.
//
// A test binary shares one server (started on first use) and every test gets
// a fresh database of its own:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pgtest.DSN(t)
//		...
//	}
//
// Code outside package testing (for example end-to-end tests that start
// several outpost processes against one server) uses Start, NewDatabase and
// Stop directly.
//
// The server binaries come from the system: Debian/Ubuntu `apt-get install
// postgresql`, macOS `brew install postgresql`. OUTPOST_PG_BIN may name the
// directory holding initdb and postgres. When the process runs as root the
// server runs as the "postgres" user, because PostgreSQL refuses to run as
// root.
package pgtest
