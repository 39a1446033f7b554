package testenv

import (
	"bytes"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Proxy is a TCP proxy in the test process in front of a database server,
// for tests of outages: Cut takes the database away from the server under
// test (open connections are closed, new ones refused, as when PostgreSQL
// goes down), Restore brings it back, and CutOn cuts at a chosen moment of
// a transaction. The shared database server itself is never touched.
type Proxy struct {
	t        testing.TB
	upstream string
	addr     string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
	arm   *fault
}

// fault is a cut armed by CutOn.
type fault struct {
	pattern     []byte
	afterAnswer bool
	fired       chan struct{}
}

// StartProxy listens on a free loopback port and forwards each connection
// to upstream (host:port) until the test ends.
func StartProxy(t testing.TB, upstream string) *Proxy {
	t.Helper()
	p := &Proxy{t: t, upstream: upstream, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Cut)
	return p
}

// PostgresProxy starts a proxy in front of the server of the PostgreSQL
// URL raw and returns it with raw rewritten to go through it.
func PostgresProxy(t testing.TB, raw string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := StartProxy(t, u.Host)
	u.Host = p.addr
	return p, u.String()
}

// Addr is where the proxy listens.
func (p *Proxy) Addr() string { return p.addr }

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil { // cut meanwhile
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *Proxy) handle(client net.Conn) {
	server, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		client.Close()
		return
	}
	if !p.track(client) || !p.track(server) {
		client.Close()
		server.Close()
		return
	}
	var dropAnswer sync.Mutex // held while an answer is to be dropped
	dropping := false
	go func() { // server → client
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				dropAnswer.Lock()
				drop := dropping
				dropAnswer.Unlock()
				if drop {
					p.Cut() // the answer is lost with the connection
					return
				}
				if _, werr := client.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		client.Close()
		server.Close()
	}()
	buf := make([]byte, 32<<10) // client → server
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if f := p.take(buf[:n]); f != nil {
				close(f.fired)
				if !f.afterAnswer {
					p.Cut()
					return
				}
				dropAnswer.Lock()
				dropping = true
				dropAnswer.Unlock()
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	client.Close()
	server.Close()
}

// take returns the armed fault if chunk sets it off, disarming it.
func (p *Proxy) take(chunk []byte) *fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.arm == nil || !bytes.Contains(chunk, p.arm.pattern) {
		return nil
	}
	f := p.arm
	p.arm = nil
	return f
}

// Cut closes every connection and stops listening: the database is gone.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Restore listens again on the same address: the database is back.
func (p *Proxy) Restore() {
	p.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := net.Listen("tcp", p.addr)
		if err == nil {
			p.serve(ln)
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CutOn arms a cut for the first message a client sends that contains
// pattern (e.g. "COMMIT"): before it reaches the server, or, with
// afterAnswer, once the server has it, dropping the server's answer (a
// commit applied whose acknowledgement is lost). Either way the proxy is
// then cut as by Cut. The channel closes when the cut is set off.
func (p *Proxy) CutOn(pattern string, afterAnswer bool) <-chan struct{} {
	f := &fault{pattern: []byte(pattern), afterAnswer: afterAnswer, fired: make(chan struct{})}
	p.mu.Lock()
	p.arm = f
	p.mu.Unlock()
	return f.fired
}
