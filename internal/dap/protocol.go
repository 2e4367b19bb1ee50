// Package dap is a Debug Adapter Protocol server for Outpost's workers: an
// editor (VS Code and other DAP clients) connects to it and debugs the
// worker's TypeScript sources; it speaks the WebKit Inspector protocol to
// each worker's VM through internal/inspector and maps locations with the
// bundle's source map.
package dap

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
)

// Messages of the Debug Adapter Protocol
// (https://microsoft.github.io/debug-adapter-protocol/specification):
// each is a JSON body after a Content-Length header.

type request struct {
	Seq       int             `json:"seq"`
	Type      string          `json:"type"`
	Command   string          `json:"command"`
	Arguments json.RawMessage `json:"arguments"`
}

type response struct {
	Seq        int    `json:"seq"`
	Type       string `json:"type"`
	RequestSeq int    `json:"request_seq"`
	Success    bool   `json:"success"`
	Command    string `json:"command"`
	Message    string `json:"message,omitempty"`
	Body       any    `json:"body,omitempty"`
}

type event struct {
	Seq   int    `json:"seq"`
	Type  string `json:"type"`
	Event string `json:"event"`
	Body  any    `json:"body,omitempty"`
}

// maxBody bounds one incoming message.
const maxBody = 16 << 20

func readMessage(r *bufio.Reader) ([]byte, error) {
	tp := textproto.NewReader(r)
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Content-Length")))
	if err != nil || n < 0 {
		return nil, fmt.Errorf("dap: a message without a valid Content-Length header")
	}
	if n > maxBody {
		return nil, fmt.Errorf("dap: a message of %d bytes is over the %d-byte limit", n, maxBody)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return body, nil
}

func writeMessage(w io.Writer, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "Content-Length: %d\r\n\r\n", len(body)); err != nil {
		return err
	}
	_, err = w.Write(body)
	return err
}

// Types used in bodies.

type source struct {
	Name             string `json:"name,omitempty"`
	Path             string `json:"path,omitempty"`
	PresentationHint string `json:"presentationHint,omitempty"`
}

type breakpoint struct {
	Verified bool    `json:"verified"`
	Line     int     `json:"line,omitempty"`
	Source   *source `json:"source,omitempty"`
	Message  string  `json:"message,omitempty"`
}

type stackFrame struct {
	ID               int     `json:"id"`
	Name             string  `json:"name"`
	Source           *source `json:"source,omitempty"`
	Line             int     `json:"line"`
	Column           int     `json:"column"`
	PresentationHint string  `json:"presentationHint,omitempty"`
}

type scope struct {
	Name               string `json:"name"`
	PresentationHint   string `json:"presentationHint,omitempty"`
	VariablesReference int    `json:"variablesReference"`
	Expensive          bool   `json:"expensive"`
}

type variable struct {
	Name               string `json:"name"`
	Value              string `json:"value"`
	Type               string `json:"type,omitempty"`
	VariablesReference int    `json:"variablesReference"`
}

type thread struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}
