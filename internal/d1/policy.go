package d1

import (
	"reflect"
	"strconv"
	"strings"

	"zombiezen.com/go/sqlite"
)

// transactionRefused is the reason workerd gives for BEGIN, COMMIT,
// ROLLBACK and SAVEPOINT in a worker's SQL (wrangler dev's local D1 runs
// on workerd's SQLite, which refuses them; batch() is D1's transaction).
const transactionRefused = "To execute a transaction, please use the state.storage.transaction() or " +
	"state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT " +
	"statements. The JavaScript API is safer because it will automatically roll back on " +
	"exceptions, and because it interacts correctly with Durable Objects' automatic atomic " +
	"write coalescing."

// policy is the SQLite authorizer of a database's connection: what a
// worker's SQL may do on D1 (the rules workerd applies to D1 and Durable
// Object SQL). Outpost's own statements run with trusted set.
type policy struct {
	trusted bool
	// refusal is a better reason than "not authorized" for the last
	// denial, when there is one.
	refusal string
}

// allowedName keeps the _cf_ tables (D1's own) out of reach, and the
// _outpost_ tables a database kept on fleet storage shares its file with.
func allowedName(name string) bool {
	return !hasPrefixFold(name, "_cf_") && !hasPrefixFold(name, "_outpost_")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func (p *policy) Authorize(a sqlite.Action) sqlite.AuthResult {
	if p.trusted || p.allow(a) {
		return sqlite.AuthResultOK
	}
	return sqlite.AuthResultDeny
}

func (p *policy) allow(a sqlite.Action) bool {
	switch a.Type() {
	case sqlite.OpSelect, sqlite.OpRecursive, sqlite.OpAnalyze:
		return true
	case sqlite.OpCreateTable, sqlite.OpDelete, sqlite.OpDropTable, sqlite.OpInsert,
		sqlite.OpCreateView, sqlite.OpDropView, sqlite.OpReindex, sqlite.OpRead, sqlite.OpUpdate:
		return allowedName(a.Table() + a.View() + a.Index())
	case sqlite.OpAlterTable:
		return allowedName(a.Table())
	case sqlite.OpCreateIndex, sqlite.OpDropIndex:
		return allowedName(a.Index()) && allowedName(a.Table())
	case sqlite.OpCreateTrigger, sqlite.OpDropTrigger:
		return allowedName(a.Trigger()) && allowedName(a.Table())
	case sqlite.OpTransaction, sqlite.OpSavepoint:
		p.refusal = transactionRefused
		return false
	case sqlite.OpPragma:
		return allowedPragma(strings.ToLower(a.Pragma()), a.PragmaArg())
	case sqlite.OpFunction:
		return allowedFunctions[strings.ToLower(functionName(a))]
	case sqlite.OpCreateVTable, sqlite.OpDropVTable:
		switch strings.ToLower(a.Module()) {
		case "fts5", "fts5vocab", "rtree", "rtree_i32":
			return allowedName(a.Table())
		}
	}
	// ATTACH, DETACH, temporary tables, other virtual tables: never.
	return false
}

func allowedPragma(name, arg string) bool {
	switch name {
	case "table_list":
		return true
	case "table_info", "table_xinfo":
		return arg != "" && allowedName(arg)
	case "data_version", "page_size":
		return arg == ""
	case "case_sensitive_like", "foreign_keys", "defer_foreign_keys", "ignore_check_constraints",
		"legacy_alter_table", "recursive_triggers", "reverse_unordered_selects":
		v := strings.ToLower(strings.Trim(arg, `'"`))
		switch v {
		case "", "true", "false", "yes", "no", "on", "off", "1", "0":
			return true
		}
		return false
	case "foreign_key_check":
		return arg == "" || allowedName(arg)
	case "foreign_key_list", "index_info", "index_list", "index_xinfo":
		return arg != "" && allowedName(arg)
	case "quick_check":
		if arg == "" {
			return true
		}
		if _, err := strconv.ParseUint(arg, 10, 32); err == nil {
			return true
		}
		return allowedName(arg)
	case "optimize":
		if arg == "" {
			return true
		}
		_, err := strconv.ParseInt(arg, 10, 32)
		return err == nil
	}
	return false
}

// allowedFunctions are the SQL functions D1 offers: SQLite's core, date,
// aggregate, window and math functions, JSON and FTS5's auxiliary
// functions (workerd's list).
var allowedFunctions = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(`abs changes char coalesce concat concat_ws format glob hex ifnull iif if
		instr last_insert_rowid length like likelihood likely lower ltrim max min max_scalar min_scalar nullif
		octet_length printf quote random randomblob replace round rtrim sign soundex substr substring
		total_changes trim typeof unhex unicode unlikely upper zeroblob
		date time datetime julianday unixepoch strftime timediff current_date current_time current_timestamp
		avg count group_concat string_agg sum total
		row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
		acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log log10 log2 mod pi
		pow power radians sin sinh sqrt tan tanh trunc
		json jsonb json_array jsonb_array json_array_length json_extract jsonb_extract -> ->> json_insert
		jsonb_insert json_object jsonb_object json_patch jsonb_patch json_remove jsonb_remove json_replace
		jsonb_replace json_set jsonb_set json_type json_valid json_quote json_group_array jsonb_group_array
		json_group_object jsonb_group_object json_each json_tree
		match highlight bm25 snippet rtreecheck
		sqlite_rename_column sqlite_rename_table sqlite_rename_test sqlite_drop_column sqlite_rename_quotefix`) {
		m[f] = true
	}
	return m
}()

// functionName is the function an OpFunction action calls: SQLite passes it
// as the callback's second argument, which the sqlite package keeps but
// does not expose for this action (reflect may read an unexported string).
// The conformance suite (d1test: Functions, Refused) fails if that changes.
func functionName(a sqlite.Action) string {
	f := reflect.ValueOf(a).FieldByName("arg2")
	if f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}
