package runtime

import (
	"os"
	"testing"
)

// TestBuiltinClassNames: every global class is named as the global it is
// (bundling the prelude must not leak renamed identifiers like _Request).
func TestBuiltinClassNames(t *testing.T) {
	harness, err := os.ReadFile("prelude/testdata/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	runJSTest(t, string(harness)+`
test("global classes have their own names", () => {
  const wrong = [];
  let checked = 0;
  for (const key of Object.getOwnPropertyNames(globalThis)) {
    const v = globalThis[key];
    if (typeof v !== "function" || !/^[A-Z]/.test(key)) continue;
    checked++;
    if (v.name !== key) wrong.push(key + " is named " + JSON.stringify(v.name));
  }
  assert.ok(checked > 50, "only " + checked + " classes found");
  assert.deepEqual(wrong, []);
});
test("names seen in errors and inspection", () => {
  assert.equal(Request.name, "Request");
  assert.equal(Response.name, "Response");
  assert.equal(AbortSignal.name, "AbortSignal");
  assert.equal(new Headers().constructor.name, "Headers");
  assert.equal(String(Object.getPrototypeOf(new Response("")).constructor.name), "Response");
});
`)
}
