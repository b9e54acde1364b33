package dal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// Revision is the alembic revision of the schema Sync creates: Glance
// 2024.1's, the newest with schema changes.
const Revision = "2024_1_contract01"

// ErrNoSchema reports a database without Glance's tables.
var ErrNoSchema = errors.New("the database has no Glance schema; run glance-manage db sync")

// revisions are Glance's alembic revisions, oldest first. Each contract
// revision depends on its expand revision, so a synced database holds
// one row, the contract head.
var revisions = []string{
	"liberty", "mitaka01", "mitaka02",
	"ocata_expand01", "ocata_contract01", "pike_expand01", "pike_contract01",
	"queens_expand01", "queens_contract01",
	"rocky_expand01", "rocky_expand02", "rocky_contract01", "rocky_contract02",
	"train_expand01", "train_contract01", "ussuri_expand01", "ussuri_contract01",
	"wallaby_expand01", "wallaby_contract01", "xena_expand01", "xena_contract01",
	"yoga_expand01", "yoga_contract01", "zed_expand01", "zed_contract01",
	"2023_1_expand01", "2023_1_contract01", "2024_1_expand01", Revision,
}

// oldestUpgradable is the first revision whose schema differs from the
// newest only by tables Sync can add. Older databases still need
// Glance's own data migrations (visibility, os_hidden, hashes).
const oldestUpgradable = "wallaby_expand01"

// table is one table of the schema: its CREATE TABLE statement, then its
// CREATE INDEX statements. Every statement is idempotent.
type table struct {
	name string
	ddl  []string
}

func (db *DB) schema() []table {
	if db.dialect == sqlite {
		return sqliteSchema
	}
	return mysqlSchema
}

// Version returns the alembic revision the database is at, as
// glance-manage db version shows it. Returns an error wrapping
// ErrNoSchema if the database has no Glance schema.
func (db *DB) Version(ctx context.Context) (string, error) {
	revs, err := db.revisions(ctx)
	if err != nil {
		return "", err
	}
	if len(revs) == 0 {
		return "", fmt.Errorf("alembic_version is empty: %w", ErrNoSchema)
	}
	return newest(revs), nil
}

// Sync brings the database to Glance's newest schema (Revision): on an
// empty database it creates every table as Glance names it; on one
// created by Glance Wallaby or later it adds what is missing (the cache
// tables) and records Revision; on a current one it does nothing.
// Returns an error, changing nothing, for a database at a revision it
// does not know or older than Wallaby, or with Glance tables but no
// alembic revision.
func (db *DB) Sync(ctx context.Context) error {
	existing, err := db.tables(ctx)
	if err != nil {
		return err
	}
	var revs []string
	if existing["alembic_version"] {
		if revs, err = db.revisions(ctx); err != nil {
			return err
		}
	} else {
		for _, t := range db.schema() {
			if existing[t.name] {
				return fmt.Errorf("the database has Glance's %s table but no alembic revision; upgrade it with Glance's glance-manage db sync first", t.name)
			}
		}
	}
	// An empty alembic_version is a first sync that did not finish:
	// the statements are idempotent, so creating again completes it.
	if len(revs) > 0 {
		for _, r := range revs {
			i := slices.Index(revisions, r)
			if i < 0 {
				return fmt.Errorf("the database is at alembic revision %q, which this service does not know", r)
			}
			if i < slices.Index(revisions, oldestUpgradable) {
				return fmt.Errorf("the database is at alembic revision %q, older than Glance Wallaby; upgrade it with Glance's glance-manage db sync first", r)
			}
		}
		if len(revs) == 1 && revs[0] == Revision && db.hasAll(existing) {
			return nil
		}
	}
	return db.create(ctx)
}

func (db *DB) hasAll(existing map[string]bool) bool {
	for _, t := range db.schema() {
		if !existing[t.name] {
			return false
		}
	}
	return true
}

// create runs every CREATE statement, then records Revision. On SQLite
// this is one transaction; MySQL commits each DDL statement by itself,
// which is why alembic_version is created first and stamped last.
func (db *DB) create(ctx context.Context) error {
	run := func(tx *gorm.DB) error {
		for _, t := range db.schema() {
			for _, stmt := range t.ddl {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("create %s: %w", t.name, err)
				}
			}
		}
		if db.dialect == sqlite {
			return stamp(tx)
		}
		return nil
	}
	release, err := db.acquireWrite(ctx)
	if err != nil {
		return err
	}
	defer release()
	g := db.gorm.WithContext(ctx)
	if db.dialect == sqlite {
		return g.Transaction(run)
	}
	if err := run(g); err != nil {
		return err
	}
	return g.Transaction(stamp)
}

// stamp records Revision as the only alembic revision.
func stamp(tx *gorm.DB) error {
	if err := tx.Exec("DELETE FROM alembic_version").Error; err != nil {
		return fmt.Errorf("record schema revision: %w", err)
	}
	if err := tx.Exec("INSERT INTO alembic_version (version_num) VALUES (?)", Revision).Error; err != nil {
		return fmt.Errorf("record schema revision: %w", err)
	}
	return nil
}

// tables returns the names of the database's tables.
func (db *DB) tables(ctx context.Context) (map[string]bool, error) {
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if db.dialect == mysqlDialect {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
	}
	var names []string
	if err := db.gorm.WithContext(ctx).Raw(q).Scan(&names).Error; err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[strings.ToLower(n)] = true
	}
	return set, nil
}

// revisions returns the rows of alembic_version.
func (db *DB) revisions(ctx context.Context) ([]string, error) {
	var revs []string
	err := db.gorm.WithContext(ctx).Raw("SELECT version_num FROM alembic_version").Scan(&revs).Error
	if isNoSuchTable(err) {
		return nil, fmt.Errorf("no alembic_version table: %w", ErrNoSchema)
	}
	if err != nil {
		return nil, fmt.Errorf("read schema revision: %w", err)
	}
	return revs, nil
}

// newest returns the latest of revs; one Glance does not know counts as
// newer than all it does.
func newest(revs []string) string {
	rank := func(r string) int {
		if i := slices.Index(revisions, r); i >= 0 {
			return i
		}
		return len(revisions)
	}
	best := revs[0]
	for _, r := range revs[1:] {
		if rank(r) > rank(best) {
			best = r
		}
	}
	return best
}
