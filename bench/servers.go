package main

import (
	"net"
	"net/http"
	"time"
)

// serveHello is the ceiling: the smallest Go net/http server that answers
// what hello.js answers. It runs as its own process (go run ./bench
// -serve-hello ADDR) so its memory and start-up are measured like the others'.
func serveHello(addr string) error {
	body := []byte("Hello World!")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.Write(body)
	})
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

// startOrigin serves the origin fetch.js calls, on a loopback port, inside
// the harness.
func startOrigin() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	body := []byte(originBody)
	mux := http.NewServeMux()
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
