package dal_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/dal/daltest"
	"github.com/go-glance/glance/domain"
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

// When MariaDB drops the pool's connections (a restart, a failover,
// wait_timeout), the statements prepared on them go too: the next load
// runs on a new connection, prepared again, instead of failing.
func TestMariaDBLoadSurvivesDroppedConnections(t *testing.T) {
	b := daltest.OpenMariaDB(t)
	ctx := context.Background()
	repo := dal.Images(b.DB)
	now := time.Now().UTC()
	img := &domain.Image{ID: "dropped", Status: domain.StatusActive, Visibility: domain.VisibilityPublic,
		Tags: []string{"t"}, CreatedAt: now, UpdatedAt: now}
	if err := repo.Create(ctx, img); err != nil {
		t.Fatal(err)
	}
	viewers := []domain.Viewer{{Admin: true}, {ProjectID: "p1"}, {}}
	for _, v := range viewers {
		if _, err := repo.Get(ctx, img.ID, v); err != nil {
			t.Fatalf("Get as %+v: %v", v, err)
		}
	}
	var dbName string
	if err := b.SQL.QueryRow("SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	// Every connection to this test's database but the one asking.
	rows, err := b.SQL.Query(`SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()`, dbName)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		t.Fatal("the repository holds no connection to drop")
	}
	for _, id := range ids {
		b.Exec(t, fmt.Sprintf("KILL %d", id))
	}
	for _, v := range viewers {
		got, err := repo.Get(ctx, img.ID, v)
		if err != nil {
			t.Fatalf("Get as %+v after %d connections were dropped: %v", v, len(ids), err)
		}
		if len(got.Tags) != 1 {
			t.Errorf("Get as %+v: tags %q", v, got.Tags)
		}
	}
}
