package inspector

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The wire protocol between JavaScriptCore's remote inspector and an
// inspector server (WTF::SocketConnection): each message is a 4-byte
// big-endian body size, one flags byte (bit 0: the GVariant data is
// little-endian), then the body: the message name, NUL-terminated, and
// the parameters serialised as a GVariant of the type the name implies.
//
// From the library: SetTargetList (a(tsssb)b), SendMessageToFrontend (ts).
// To the library: GetTargetList (), Setup (t), SendMessageToTarget (ts),
// FrontendDidClose (t).

const (
	flagLittleEndian = 1
	// maxMessage bounds one message (a heap snapshot can be large).
	maxMessage = 256 << 20
)

// message is one decoded wire message.
type message struct {
	name   string
	params []byte
}

func readMessage(r *bufio.Reader) (message, error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return message{}, err
	}
	size := binary.BigEndian.Uint32(head[:4])
	if size > maxMessage {
		return message{}, fmt.Errorf("inspector wire: message of %d bytes is over the %d-byte limit", size, maxMessage)
	}
	if head[4]&flagLittleEndian == 0 {
		return message{}, errors.New("inspector wire: big-endian messages are not supported")
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return message{}, err
	}
	name, params, ok := strings.Cut(string(body), "\x00")
	if !ok {
		return message{}, errors.New("inspector wire: message without a name")
	}
	return message{name: name, params: []byte(params)}, nil
}

func encodeMessage(name string, params []byte) []byte {
	body := len(name) + 1 + len(params)
	out := make([]byte, 5, 5+body)
	binary.BigEndian.PutUint32(out, uint32(body))
	out[4] = flagLittleEndian
	out = append(out, name...)
	out = append(out, 0)
	return append(out, params...)
}

// Target is one inspectable context the library lists.
type Target struct {
	ID   uint64 `json:"id"`
	Type string `json:"type"` // "JavaScript" for a worker's VM
	Name string `json:"name"`
	URL  string `json:"url"`
	// HasDebugger is the library's "has a local debugger" flag: a
	// frontend is connected.
	HasDebugger bool `json:"hasDebugger"`
}
