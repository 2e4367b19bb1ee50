package jsc

import "testing"

func TestDisableEval(t *testing.T) {
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		c.DisableEval("Code generation from strings disallowed for this context")
		for _, src := range []string{
			`eval("1 + 1")`,
			`new Function("return 1")`,
			`Function("return this")()`,
			`(async function () {}).constructor("return 1")`,
			`(function* () {}).constructor("yield 1")`,
		} {
			v, err := c.Eval(`try { `+src+`; "allowed" } catch (e) { e.name + ": " + e.message }`, "eval.js")
			if err != nil {
				t.Fatal(err)
			}
			if got := v.String(); got != "EvalError: Code generation from strings disallowed for this context" {
				t.Errorf("%s -> %s", src, got)
			}
		}
		// The host still evaluates scripts.
		if v, err := c.Eval("6 * 7", "host.js"); err != nil || v.Int() != 42 {
			t.Errorf("host Eval = %v, %v", v.String(), err)
		}
		return nil
	})
}
