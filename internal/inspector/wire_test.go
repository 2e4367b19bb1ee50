//go:build linux

package inspector

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

func TestWireMessagesRoundTrip(t *testing.T) {
	msg := `{"id":1,"method":"Debugger.enable","params":{"text":"é ✓"}}`
	var buf bytes.Buffer
	buf.Write(encodeMessage("SendMessageToTarget", encodeIDString(42, msg)))
	buf.Write(encodeMessage("GetTargetList", nil))
	r := bufio.NewReader(&buf)
	m, err := readMessage(r)
	if err != nil || m.name != "SendMessageToTarget" {
		t.Fatalf("%v %q", err, m.name)
	}
	id, got := decodeIDString(m.params)
	if id != 42 || got != msg {
		t.Fatalf("decoded %d %q", id, got)
	}
	if m, err = readMessage(r); err != nil || m.name != "GetTargetList" || len(m.params) != 0 {
		t.Fatalf("%v %+v", err, m)
	}
}

func TestWireRejectsOversizedAndBigEndianMessages(t *testing.T) {
	head := make([]byte, 5)
	binary.BigEndian.PutUint32(head, maxMessage+1)
	head[4] = flagLittleEndian
	if _, err := readMessage(bufio.NewReader(bytes.NewReader(head))); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("oversized: %v", err)
	}
	big := encodeMessage("GetTargetList", nil)
	big[4] = 0
	if _, err := readMessage(bufio.NewReader(bytes.NewReader(big))); err == nil {
		t.Fatal("a big-endian message was accepted")
	}
}
