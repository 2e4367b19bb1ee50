test("globals exist", () => {
  assert.equal(typeof Response, "function");
});
