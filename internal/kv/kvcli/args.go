package kvcli

import (
	"strings"
)

// parsed is a command line split into positional arguments and --flags, so
// flags may come before or after the positionals, as with wrangler.
type parsed struct {
	pos   []string
	flags map[string]string
}

// parseArgs splits args, accepting "--name value", "--name=value" and "-name"
// forms for the flags in allowed; "--" ends the flags.
func parseArgs(args []string, allowed ...string) (parsed, error) {
	p := parsed{flags: map[string]string{}}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			p.pos = append(p.pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			p.pos = append(p.pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !ok[name] {
			if len(allowed) == 0 {
				return p, usagef("unknown flag %s: this command takes no flags", a)
			}
			return p, usagef("unknown flag %s (this command takes --%s)", a, strings.Join(allowed, ", --"))
		}
		if _, dup := p.flags[name]; dup {
			return p, usagef("--%s given twice", name)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return p, usagef("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		p.flags[name] = value
	}
	return p, nil
}
