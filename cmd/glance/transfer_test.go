package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/require"
)

// mustStartLogged is MustStartServerIn that also returns the server log.
// The datadir is dir/images unless datadir names one.
func mustStartLogged(t *testing.T, extra, datadir string) (base, dir string, log *syncBuffer) {
	t.Helper()
	dir = t.TempDir()
	base, log = MustRunLogged(t, dir, "api", "--config-file", mustWriteConfig(t, dir, extra, "", datadir))
	return base, dir, log
}

// mustDial opens a raw connection to the server, for clients that
// misbehave in ways net/http's client will not.
func mustDial(t *testing.T, base string) *net.TCPConn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn.(*net.TCPConn)
}

// startUpload sends the head of an upload of data and its first sent bytes.
func startUpload(t *testing.T, conn net.Conn, id string, data []byte, sent int) {
	t.Helper()
	head := fmt.Sprintf("PUT /v2/images/%s/file HTTP/1.1\r\nHost: glance\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", id, len(data))
	if _, err := conn.Write(append([]byte(head), data[:sent]...)); err != nil {
		t.Fatal(err)
	}
}

// readUntilClosed reads what the server sends until it closes the
// connection. The bound only keeps a failing test from hanging.
func readUntilClosed(t *testing.T, conn net.Conn) []byte {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, err := io.ReadAll(conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server kept the connection open (read %d bytes)", len(got))
	}
	return got
}

// mustLogNoServerError checks that the log holds no ERROR line and no
// access line with a 5xx status: a client that leaves is not the
// server's fault.
func mustLogNoServerError(t *testing.T, log *syncBuffer) {
	t.Helper()
	for line := range strings.Lines(log.String()) {
		if strings.Contains(line, " ERROR ") || strings.Contains(line, "status: 5") {
			t.Errorf("server error logged for a client's doing: %s", line)
		}
	}
}

// waitForLog waits until a line of the log holds every one of words.
func waitForLog(t *testing.T, log *syncBuffer, words ...string) string {
	t.Helper()
	var found string
	waitFor(t, fmt.Sprintf("a log line with %q", words), func() bool {
		for line := range strings.Lines(log.String()) {
			all := true
			for _, w := range words {
				all = all && strings.Contains(line, w)
			}
			if all {
				found = line
				return true
			}
		}
		return false
	})
	return found
}

// A client that sends half its upload and then nothing is cut off after
// client_socket_timeout: the connection closes, the image is queued
// again without partial data, and it can be uploaded again.
func TestStalledUploadIsCut(t *testing.T) {
	base, dir, log := mustStartLogged(t, "client_socket_timeout = 1", "")
	a := api{base: base}
	img := a.create(t, `{"name":"stalled","disk_format":"raw","container_format":"bare"}`)
	data := randomData(200_000)
	conn := mustDial(t, base)
	startUpload(t, conn, img.ID, data, 100_000)
	if got := readUntilClosed(t, conn); len(got) > 0 {
		t.Errorf("the server answered the stalled upload: %q", got)
	}
	waitFor(t, "the image to be queued again", func() bool { return a.get(t, img.ID).Status == "queued" })
	mustBeQueued(t, a, dir, img.ID)
	t.Logf("logged: %s", waitForLog(t, log, img.ID, "stalled", "100000 bytes"))
	mustLogNoServerError(t, log)
	a.upload(t, img.ID, data)
}

// A client that stops reading a download is cut off after
// client_socket_timeout, instead of holding the server's file and
// goroutine for as long as it likes.
func TestStalledDownloadIsCut(t *testing.T) {
	base, _, log := mustStartLogged(t, "client_socket_timeout = 1", "")
	a := api{base: base}
	img, data, conn := startBigDownload(t, a, "unread")
	t.Logf("logged: %s", waitForLog(t, log, img.ID, "stalled"))
	if got := readUntilClosed(t, conn); len(got) >= len(data) {
		t.Errorf("the stalled client still got all %d bytes", len(got))
	}
	mustLogNoServerError(t, log)
}

// startBigDownload uploads a 64 MiB image, far more than the sockets'
// buffers hold, and sends its GET on a raw connection without reading.
func startBigDownload(t *testing.T, a api, name string) (image, []byte, *net.TCPConn) {
	t.Helper()
	img := a.create(t, fmt.Sprintf(`{"name":%q,"disk_format":"raw","container_format":"bare"}`, name))
	data := randomData(64 << 20)
	a.upload(t, img.ID, data)
	conn := mustDial(t, a.base)
	if _, err := fmt.Fprintf(conn, "GET /v2/images/%s/file HTTP/1.1\r\nHost: glance\r\n\r\n", img.ID); err != nil {
		t.Fatal(err)
	}
	return img, data, conn
}

// A client that hangs up mid-upload or mid-download is logged for what
// it did, with the image and the bytes so far, never as a server error.
func TestClientLeavesMidTransfer(t *testing.T) {
	base, dir, log := mustStartLogged(t, "", "")
	a := api{base: base}

	for _, how := range []string{"close", "reset"} {
		t.Run("upload, "+how, func(t *testing.T) {
			img := a.create(t, `{"name":"left","disk_format":"raw","container_format":"bare"}`)
			data := randomData(4 << 20)
			conn := mustDial(t, base)
			startUpload(t, conn, img.ID, data, 1<<20)
			waitFor(t, "the upload to be under way", func() bool { return a.get(t, img.ID).Status == "saving" })
			// A closed connection delivers all that was sent; a reset
			// drops what the server had not read yet.
			sent := "after 1048576 bytes"
			if how == "reset" {
				conn.SetLinger(0) // as a killed client's kernel does
				sent = "bytes"
			}
			conn.Close()
			waitFor(t, "the image to be queued again", func() bool { return a.get(t, img.ID).Status == "queued" })
			mustBeQueued(t, a, dir, img.ID)
			t.Logf("logged: %s", waitForLog(t, log, img.ID, "the client left", sent))
			t.Logf("access log: %s", waitForLog(t, log, "PUT /v2/images/"+img.ID))
			mustLogNoServerError(t, log)
		})
	}

	t.Run("download", func(t *testing.T) {
		img, _, conn := startBigDownload(t, a, "half read")
		if _, err := io.ReadFull(conn, make([]byte, 1<<20)); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		t.Logf("logged: %s", waitForLog(t, log, img.ID, "left"))
		mustLogNoServerError(t, log)
		if got := a.get(t, img.ID); got.Status != "active" {
			t.Errorf("image %s after an aborted download", got.Status)
		}
	})
}

// On a 64 MiB store, a client that announces 48 MiB and sends nothing
// must not make another client's 32 MiB upload fail with 413; an
// announced size that cannot fit is refused at once.
func TestAnnouncedSizeReservesNothing(t *testing.T) {
	small := require.SmallFS(t, "64m")
	base, _, _ := mustStartLogged(t, "", filepath.Join(small, "images"))
	a := api{base: base}
	silent := a.create(t, `{"name":"silent","disk_format":"raw","container_format":"bare"}`)
	conn := mustDial(t, base)
	startUpload(t, conn, silent.ID, make([]byte, 48<<20), 1)
	waitFor(t, "the silent upload to start", func() bool { return a.get(t, silent.ID).Status == "saving" })

	img := a.create(t, `{"name":"real","disk_format":"raw","container_format":"bare"}`)
	data := randomData(32 << 20)
	resp, body := put(t, base, img.ID, bytes.NewReader(data), int64(len(data)), nil)
	mustStatus(t, "upload beside a silent one", resp, body, 204)

	huge := a.create(t, `{"name":"huge","disk_format":"raw","container_format":"bare"}`)
	hugeConn := mustDial(t, base)
	fmt.Fprintf(hugeConn, "PUT /v2/images/%s/file HTTP/1.1\r\nHost: glance\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", huge.ID, 65<<20)
	hugeConn.SetReadDeadline(time.Now().Add(30 * time.Second)) // keeps a failure from hanging
	resp, err := http.ReadResponse(bufio.NewReader(hugeConn), nil)
	if err != nil {
		t.Fatalf("no answer before the data was sent: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("upload announcing more than the store holds: %d, want 413", resp.StatusCode)
	}
	conn.Close()
	waitFor(t, "the silent upload to end", func() bool { return a.get(t, silent.ID).Status == "queued" })
}
