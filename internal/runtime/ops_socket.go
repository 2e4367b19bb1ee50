package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// TCP sockets of cloudflare:sockets' connect(): the Go side dials, reads,
// writes and upgrades to TLS; the prelude (sockets.js) wraps a socket in
// the Socket object with its readable and writable streams. Sockets live
// in the instance's stream table, so closing the instance closes them.

// SocketTLSConfig, when set, is the TLS configuration sockets use
// (secureTransport "on" and startTls()); ServerName is set per socket.
// Tests set it to trust their own certificates.
var SocketTLSConfig *tls.Config

// socketDialTimeout bounds connect().
const socketDialTimeout = 30 * time.Second

type tcpSocket struct {
	mu        sync.Mutex
	conn      net.Conn
	closed    bool
	upgrading bool           // startTls() took the connection over
	reads     sync.WaitGroup // reads in progress
}

func (s *tcpSocket) Read(p []byte) (int, error) {
	s.reads.Add(1)
	defer s.reads.Done()
	return s.conn.Read(p)
}

// takeOver stops a read in progress without losing bytes (a read that
// times out consumed nothing) and hands the connection on, for startTls.
func (s *tcpSocket) takeOver() net.Conn {
	s.mu.Lock()
	s.upgrading = true
	s.mu.Unlock()
	_ = s.conn.SetReadDeadline(time.Now())
	s.reads.Wait()
	_ = s.conn.SetReadDeadline(time.Time{})
	return s.conn
}

func (s *tcpSocket) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.conn.Close()
}

// closeWrite ends the sending side (a TCP FIN, or TLS close_notify).
func (s *tcpSocket) closeWrite() error {
	type closeWriter interface{ CloseWrite() error }
	if cw, ok := s.conn.(closeWriter); ok {
		return cw.CloseWrite()
	}
	return nil
}

func socketTLS(host string) *tls.Config {
	cfg := &tls.Config{}
	if SocketTLSConfig != nil {
		cfg = SocketTLSConfig.Clone()
	}
	cfg.ServerName = host
	return cfg
}

// socketError is what a failed connect or I/O rejects with.
func socketError(err error) error {
	var pe *ErrPrivateAddress
	if errors.As(err, &pe) {
		return &jsc.Error{Name: "Error", Message: "connect(): " + pe.Error()}
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	return &jsc.Error{Name: "Error", Message: "Network connection lost: " + err.Error()}
}

func (in *Instance) socket(id int64) (*tcpSocket, error) {
	s, ok := in.streams.get(id).(*tcpSocket)
	if !ok {
		return nil, &jsc.Error{Name: "Error", Message: "Socket is closed."}
	}
	return s, nil
}

func socketInfo(c *jsc.Context, id int64, conn net.Conn) jsc.Value {
	o := c.Object()
	o.Set("id", c.Number(float64(id)))
	o.Set("remoteAddress", c.String(conn.RemoteAddr().String()))
	o.Set("localAddress", c.String(conn.LocalAddr().String()))
	return o
}

// A socket belongs to the invocation that opened it and, as in workerd, is
// closed once that invocation has ended (its response sent and its
// waitUntil work settled). The owners are tracked per instance, on the
// VM's thread, and swept every socketSweepEvery while any are open.
type socketOwners struct {
	owner map[int64]int64 // stream id → invocation id
}

var instanceSockets sync.Map // *Instance → *socketOwners

const socketSweepEvery = time.Second

// ownSocket records the running invocation as the owner of socket id (VM
// thread). Sockets opened outside any invocation are not swept.
func (in *Instance) ownSocket(id int64) {
	if in.cur == 0 {
		return
	}
	v, loaded := instanceSockets.LoadOrStore(in, &socketOwners{owner: map[int64]int64{}})
	so := v.(*socketOwners)
	so.owner[id] = in.cur
	if !loaded {
		in.scheduleSocketSweep()
	}
}

func (in *Instance) scheduleSocketSweep() {
	time.AfterFunc(socketSweepEvery, func() {
		if err := in.vm.Enqueue(func(*jsc.Context) { in.sweepSockets() }); err != nil {
			instanceSockets.Delete(in) // the VM is gone; Close closed the sockets
		}
	})
}

// sweepSockets closes the sockets of invocations that have ended (VM thread).
func (in *Instance) sweepSockets() {
	v, ok := instanceSockets.Load(in)
	if !ok {
		return
	}
	so := v.(*socketOwners)
	for id, owner := range so.owner {
		if _, open := in.streams.get(id).(*tcpSocket); !open {
			delete(so.owner, id)
			continue
		}
		if _, live := in.reqs[owner]; !live {
			in.streams.close(id)
			delete(so.owner, id)
		}
	}
	if len(so.owner) == 0 {
		instanceSockets.Delete(in)
		return
	}
	in.scheduleSocketSweep()
}

func (in *Instance) installSocketOps(def func(string, jsc.Func)) {
	// sockConnect(hostname, port, tls) → promise of {id, remoteAddress,
	// localAddress}. The connection is a subrequest of the invocation.
	def("sockConnect", func(call *jsc.Call) (jsc.Value, error) {
		host := call.Arg(0).String()
		port := int(call.Arg(1).Int())
		useTLS := call.Arg(2).Bool()
		if _, err := in.Subrequest("socket"); err != nil {
			return jsc.Value{}, err
		}
		if port == 25 {
			return jsc.Value{}, &jsc.Error{Name: "Error", Message: "Connections to port 25 are prohibited."}
		}
		dialer := &net.Dialer{Timeout: socketDialTimeout, KeepAlive: 30 * time.Second}
		if in.host.Fetch.DenyPrivate {
			dialer.Control = DenyPrivateControl
		}
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		invCtx := in.opContext()
		return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
			conn, err := dialer.DialContext(invCtx, "tcp", addr)
			if err != nil {
				return nil, socketError(err)
			}
			if useTLS {
				tc := tls.Client(conn, socketTLS(host))
				ctx, cancel := context.WithTimeout(context.Background(), socketDialTimeout)
				err := tc.HandshakeContext(ctx)
				cancel()
				if err != nil {
					conn.Close()
					return nil, socketError(err)
				}
				conn = tc
			}
			s := &tcpSocket{conn: conn}
			return func(c *jsc.Context) (jsc.Value, error) {
				id := in.streams.add(s)
				in.ownSocket(id)
				return socketInfo(c, id, conn), nil
			}, nil
		})
	})
	// sockRead(id) → promise of a Uint8Array, or null at the end of the
	// peer's data (the socket stays open for writing).
	def("sockRead", func(call *jsc.Call) (jsc.Value, error) {
		s, err := in.socket(call.Arg(0).Int())
		if err != nil {
			d, p, perr := call.Ctx.NewPromise()
			if perr == nil {
				d.Resolve(call.Ctx.Null())
			}
			return p, perr
		}
		return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
			bufp := chunkBuffers.Get().(*[]byte)
			buf := *bufp
			n, err := s.Read(buf)
			if n > 0 {
				return func(c *jsc.Context) (jsc.Value, error) {
					v, err := c.Bytes(buf[:n])
					chunkBuffers.Put(bufp)
					return v, err
				}, nil
			}
			chunkBuffers.Put(bufp)
			s.mu.Lock()
			closed := s.closed || s.upgrading
			s.mu.Unlock()
			if err == nil || errors.Is(err, io.EOF) || closed {
				return func(c *jsc.Context) (jsc.Value, error) { return c.Null(), nil }, nil
			}
			return nil, socketError(err)
		})
	})
	// sockWrite(id, bytes) → promise settled when the bytes are sent.
	def("sockWrite", func(call *jsc.Call) (jsc.Value, error) {
		s, err := in.socket(call.Arg(0).Int())
		if err != nil {
			return jsc.Value{}, err
		}
		b, ok := call.Arg(1).CopyBytes()
		if !ok {
			return jsc.Value{}, jsc.TypeError("The chunk must be an ArrayBuffer or ArrayBufferView")
		}
		return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
			if _, err := s.conn.Write(b); err != nil {
				return nil, socketError(err)
			}
			return func(c *jsc.Context) (jsc.Value, error) { return c.Undefined(), nil }, nil
		})
	})
	// sockCloseWrite(id): the writable side was closed.
	def("sockCloseWrite", func(call *jsc.Call) (jsc.Value, error) {
		if s, err := in.socket(call.Arg(0).Int()); err == nil {
			_ = s.closeWrite()
		}
		return call.Ctx.Undefined(), nil
	})
	def("sockClose", func(call *jsc.Call) (jsc.Value, error) {
		in.streams.close(call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
	// sockStartTls(id, hostname) → promise of the upgraded socket's info;
	// the plain socket's id is no longer valid.
	def("sockStartTls", func(call *jsc.Call) (jsc.Value, error) {
		id := call.Arg(0).Int()
		s, err := in.socket(id)
		if err != nil {
			return jsc.Value{}, err
		}
		host := call.Arg(1).String()
		in.streams.detach(id)
		return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
			tc := tls.Client(s.takeOver(), socketTLS(host))
			ctx, cancel := context.WithTimeout(context.Background(), socketDialTimeout)
			err := tc.HandshakeContext(ctx)
			cancel()
			if err != nil {
				s.Close()
				return nil, socketError(fmt.Errorf("TLS handshake with %s failed: %w", host, err))
			}
			ts := &tcpSocket{conn: tc}
			return func(c *jsc.Context) (jsc.Value, error) {
				nid := in.streams.add(ts)
				in.ownSocket(nid)
				return socketInfo(c, nid, tc), nil
			}, nil
		})
	})
}

// installDNSOps backs node:dns: dnsLookup(hostname, family) → promise of
// [{address, family}] from the system resolver.
func (in *Instance) installDNSOps(def func(string, jsc.Func)) {
	def("dnsLookup", func(call *jsc.Call) (jsc.Value, error) {
		host := call.Arg(0).String()
		family := int(call.Arg(1).Int())
		network := "ip"
		switch family {
		case 4:
			network = "ip4"
		case 6:
			network = "ip6"
		}
		return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
			ctx, cancel := context.WithTimeout(context.Background(), socketDialTimeout)
			defer cancel()
			ips, err := net.DefaultResolver.LookupIP(ctx, network, host)
			if err != nil {
				code := "ENOTFOUND"
				var de *net.DNSError
				if errors.As(err, &de) && de.IsTimeout {
					code = "ETIMEOUT"
				}
				return nil, &jsc.Error{Name: "Error", Message: code + ":" + host}
			}
			return func(c *jsc.Context) (jsc.Value, error) {
				arr, err := c.ParseJSON("[]")
				if err != nil {
					return arr, err
				}
				for i, ip := range ips {
					o := c.Object()
					fam := 6
					if ip.To4() != nil {
						fam = 4
					}
					o.Set("address", c.String(ip.String()))
					o.Set("family", c.Number(float64(fam)))
					arr.SetIndex(i, o)
				}
				return arr, nil
			}, nil
		})
	})
}
