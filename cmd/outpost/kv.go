package main

import (
	"fmt"
	"io"
)

func runKV(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return fmt.Errorf("kv: not wired yet")
}
