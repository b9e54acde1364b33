package main

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// rawRequest sends GET /v2/images with the given header lines over a
// fresh connection and returns everything the server wrote back.
func rawRequest(t *testing.T, base string, lines []string) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	req := "GET /v2/images HTTP/1.1\r\nHost: x\r\n" + strings.Join(lines, "") + "Connection: close\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// headerLine is "X-Long: aaa...\r\n", n bytes long with its CRLF.
func headerLine(n int) string {
	return "X-Long: " + strings.Repeat("a", n-len("X-Long: ")-2) + "\r\n"
}

func shortLines(n, valueLen int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("X-H%d: %s\r\n", i, strings.Repeat("v", valueLen))
	}
	return lines
}

// TestHeaderLimits answers header lines over Glance's limits as Glance's
// eventlet server does, byte for byte (captured from Glance 25): a line
// of max_header_line bytes or more (CRLF included), more than 64 KiB of
// header lines, more than 256 lines.
func TestHeaderLimits(t *testing.T) {
	base := MustStartServer(t, "")
	const lineTooLong = "HTTP/1.0 400 Header Line Too Long\r\nConnection: close\r\nContent-length: 0\r\n\r\n"
	cases := []struct {
		name  string
		lines []string
		want  string // the whole answer, or the start of its status line
	}{
		{"line one byte under the limit", []string{headerLine(16383)}, "HTTP/1.1 200 OK"},
		{"line at the limit", []string{headerLine(16384)}, lineTooLong},
		{"line far over the limit", []string{headerLine(60000)}, lineTooLong},
		{"long line among many", append(shortLines(50, 10), headerLine(20000)), lineTooLong},
		{"many short lines over 64 KiB", shortLines(70, 1000), "HTTP/1.0 400 Headers Too Large\r\nConnection: close\r\nContent-length: 0\r\n\r\n"},
		{"253 lines and Host and Connection", shortLines(253, 1), "HTTP/1.1 200 OK"},
		{"254 lines and Host and Connection", shortLines(254, 1), "HTTP/1.1 431 Too many headers\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := rawRequest(t, base, c.lines)
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("answer %.200q, want it to start with %q", got, c.want)
			}
			if strings.HasPrefix(c.want, "HTTP/1.0") && got != c.want {
				t.Errorf("answer %q, want exactly %q", got, c.want)
			}
		})
	}
}

// TestMaxHeaderLineOption follows [DEFAULT] max_header_line; 0 lifts
// the limit on one line (the 64 KiB total stays).
func TestMaxHeaderLineOption(t *testing.T) {
	small := MustStartServer(t, "max_header_line = 100\n")
	if got := rawRequest(t, small, []string{headerLine(100)}); !strings.HasPrefix(got, "HTTP/1.0 400 Header Line Too Long") {
		t.Errorf("a 100-byte line with max_header_line = 100: %.100q", got)
	}
	if got := rawRequest(t, small, []string{headerLine(99)}); !strings.HasPrefix(got, "HTTP/1.1 200 OK") {
		t.Errorf("a 99-byte line with max_header_line = 100: %.100q", got)
	}
	unlimited := MustStartServer(t, "max_header_line = 0\n")
	if got := rawRequest(t, unlimited, []string{headerLine(60000)}); !strings.HasPrefix(got, "HTTP/1.1 200 OK") {
		t.Errorf("a 60000-byte line with max_header_line = 0: %.100q", got)
	}
}
