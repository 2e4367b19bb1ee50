package dap

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestMessagesAreFramedWithContentLength(t *testing.T) {
	var buf bytes.Buffer
	if err := writeMessage(&buf, map[string]any{"seq": 1, "type": "request", "command": "threads"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "Content-Length: ") {
		t.Fatalf("framing: %q", buf.String())
	}
	body, err := readMessage(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil || req.Command != "threads" {
		t.Fatalf("%v %+v", err, req)
	}
	if _, err := readMessage(bufio.NewReader(strings.NewReader("Content-Type: x\r\n\r\n{}"))); err == nil {
		t.Fatal("a message without Content-Length was accepted")
	}
}

func TestValuesReadAsInTheEditor(t *testing.T) {
	for _, c := range []struct {
		o          remoteObject
		value, typ string
	}{
		{remoteObject{Type: "string", Value: json.RawMessage(`"a\"b"`)}, `"a\"b"`, "string"},
		{remoteObject{Type: "number", Value: json.RawMessage(`5`), Description: "5"}, "5", "number"},
		{remoteObject{Type: "undefined"}, "undefined", "undefined"},
		{remoteObject{Type: "object", Subtype: "null"}, "null", "object"},
		{remoteObject{Type: "object", Subtype: "array", ClassName: "Array", Description: "Array"}, "Array", "Array"},
	} {
		if v, typ := display(c.o); v != c.value || typ != c.typ {
			t.Errorf("%+v: got %s %s, want %s %s", c.o, v, typ, c.value, c.typ)
		}
	}
}
