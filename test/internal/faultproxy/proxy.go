// Package faultproxy is a TCP proxy in front of a real server (radosgw,
// Swift) that tests can stop, stall, make answer errors and cut, to
// produce on demand the faults the real server cannot: a store that is
// down, one that accepts and never answers, one that answers 5xx, and one
// that dies in the middle of a transfer.
package faultproxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

type mode int

const (
	forward mode = iota
	stall        // accept, read, never answer
	fail         // answer every request with status
)

// Proxy forwards connections to a target until told otherwise.
type Proxy struct {
	target string
	addr   string

	mu      sync.Mutex
	cond    *sync.Cond
	ln      net.Listener
	mode    mode
	status  int
	conns   map[net.Conn]struct{}
	stopped bool
	done    bool
}

// Start listens on a free loopback port and forwards to target
// (host:port). The proxy closes when tb ends.
func Start(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{}}
	p.cond = sync.NewCond(&p.mu)
	go p.serve(ln)
	tb.Cleanup(p.close)
	return p
}

// Addr is the proxy's host:port, stable across Stop and Restore.
func (p *Proxy) Addr() string { return p.addr }

// Stop closes the port and every connection: clients get connection
// refused until Restore.
func (p *Proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		p.ln.Close()
		p.stopped = true
	}
	p.closeConns()
}

// Stall keeps accepting and reading but answers nothing, on new
// connections and on those already open, until Restore.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = stall
}

// Fail answers every request with HTTP status (a 5xx, say) until
// Restore. Open connections are closed so that their next request gets
// the answer too.
func (p *Proxy) Fail(status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode, p.status = fail, status
	p.closeConns()
}

// Cut resets every open connection, as a server that dies mid-transfer,
// and keeps forwarding new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeConns()
}

// Restore forwards again, on the same port after Stop. Connections a
// stall held are closed: what they carried is lost, as with a server
// that hung and was restarted.
func (p *Proxy) Restore() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == stall {
		p.closeConns()
	}
	p.mode = forward
	p.cond.Broadcast()
	if !p.stopped {
		return nil
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.ln, p.stopped = ln, false
	go p.serve(ln)
	return nil
}

func (p *Proxy) close() {
	p.Stop()
	p.mu.Lock()
	p.done = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// closeConns closes every open connection; p.mu is held.
func (p *Proxy) closeConns() {
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // a reset, as a dead server's
		}
		c.Close()
		delete(p.conns, c)
	}
	p.cond.Broadcast()
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			c.Close()
			return
		}
		go p.handle(c)
	}
}

func (p *Proxy) handle(c net.Conn) {
	p.mu.Lock()
	m, status := p.mode, p.status
	p.mu.Unlock()
	switch m {
	case fail:
		answer(c, status)
		return
	case stall:
		// Read and drop what comes, answer nothing.
		io.Copy(io.Discard, c)
		c.Close()
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(up) {
		up.Close()
		c.Close()
		return
	}
	go p.pipe(up, c)
	p.pipe(c, up)
}

// pipe copies src to dst, holding the bytes while the proxy stalls.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.waitForward(src) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// waitForward blocks while the proxy stalls; false once c was closed.
func (p *Proxy) waitForward(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.mode == stall && !p.done {
		if _, open := p.conns[c]; !open {
			return false
		}
		p.cond.Wait()
	}
	_, open := p.conns[c]
	return open && !p.done
}

// answer replies status to the request on c and closes it.
func answer(c net.Conn, status int) {
	defer c.Close()
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	io.Copy(io.Discard, req.Body)
	body := http.StatusText(status) + "\n"
	io.WriteString(c, "HTTP/1.1 "+strconv.Itoa(status)+" "+http.StatusText(status)+"\r\n"+
		"Content-Type: text/plain\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body)
}
