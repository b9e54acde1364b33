package dal_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
)

// A MySQL server that cannot be reached, or that accepts connections and
// never answers, fails Open within the pool timeout instead of hanging
// the start.
func TestOpenMySQLUnreachable(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()

	for name, addr := range map[string]string{"nothing listening": closedAddr, "never answers": silent.Addr().String()} {
		t.Run(name, func(t *testing.T) {
			db, err := dal.OpenWith(context.Background(), "mysql+pymysql://glance:secret@"+addr+"/glance",
				dal.Options{PoolTimeout: time.Second})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), "connect to mysql database") || strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q", err)
			}
		})
	}
}
