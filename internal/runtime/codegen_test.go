package runtime

import "testing"

// Workers cannot generate code from strings; the platform's own code runs.
func TestCodeGenerationRefused(t *testing.T) {
	w := newTestWorker(t, `var __outpost_entry = { default: {
	async fetch(req) {
		const out = [];
		for (const f of [() => eval("1"), () => new Function("return 1"), () => Function("return this")()]) {
			try { f(); out.push("allowed"); } catch (e) { out.push(e instanceof EvalError ? e.message : String(e)); }
		}
		return new Response(out.join("|"));
	},
} };`, true, 1)
	_, body, err := fetchText(t, w, "GET", "/", "")
	want := "Code generation from strings disallowed for this context|" +
		"Code generation from strings disallowed for this context|" +
		"Code generation from strings disallowed for this context"
	if err != nil || body != want {
		t.Errorf("got %q (%v), want %q", body, err, want)
	}
}
