package daltest

import (
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Schema describes the database's tables as facts the database reports
// about them (columns with type, nullability and default; indexes and
// unique constraints with their columns; foreign keys; checks; and on
// MySQL engine and collation), one sorted line each, keyed by table.
// Two databases with equal facts have the same schema whatever DDL text
// made them.
func (b Backend) Schema(tb testing.TB) map[string][]string {
	tb.Helper()
	facts := map[string][]string{}
	var err error
	if b.Dialect == "sqlite" {
		err = sqliteFacts(b.SQL, facts)
	} else {
		err = mysqlFacts(b.SQL, facts)
	}
	if err != nil {
		tb.Fatalf("read schema: %v", err)
	}
	for t := range facts {
		slices.Sort(facts[t])
	}
	return facts
}

// SchemaDiff lists how schema got differs from want, or nothing.
func SchemaDiff(want, got map[string][]string) []string {
	var diff []string
	for t, w := range want {
		g, ok := got[t]
		if !ok {
			diff = append(diff, "missing table "+t)
			continue
		}
		for _, f := range w {
			if !slices.Contains(g, f) {
				diff = append(diff, t+": missing "+f)
			}
		}
		for _, f := range g {
			if !slices.Contains(w, f) {
				diff = append(diff, t+": extra "+f)
			}
		}
	}
	for t := range got {
		if _, ok := want[t]; !ok {
			diff = append(diff, "extra table "+t)
		}
	}
	slices.Sort(diff)
	return diff
}

// query runs q and calls row with each row's columns as text.
func query(db *sql.DB, row func(cols []string), q string, args ...any) error {
	rows, err := db.Query(q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	defer rows.Close()
	n, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]sql.NullString, len(n))
	ptrs := make([]any, len(n))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		cols := make([]string, len(vals))
		for i, v := range vals {
			cols[i] = v.String
			if !v.Valid {
				cols[i] = "NULL"
			}
		}
		row(cols)
	}
	return rows.Err()
}

var checkClause = regexp.MustCompile(`CHECK\s*\(((?:[^()]|\([^()]*\))*)\)`)

func sqliteFacts(db *sql.DB, facts map[string][]string) error {
	tables := map[string]string{}
	if err := query(db, func(c []string) { tables[c[0]] = c[1] },
		"SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"); err != nil {
		return err
	}
	for t, ddl := range tables {
		add := func(f string, args ...any) { facts[t] = append(facts[t], fmt.Sprintf(f, args...)) }
		add("table")
		err := query(db, func(c []string) {
			add("column %s %s %s notnull=%s default=%s pk=%s", c[0], c[1], strings.ToUpper(c[2]), c[3], c[4], c[5])
		}, fmt.Sprintf("PRAGMA table_info(%q)", t))
		if err != nil {
			return err
		}
		var indexes [][]string
		if err := query(db, func(c []string) { indexes = append(indexes, c) }, fmt.Sprintf("PRAGMA index_list(%q)", t)); err != nil {
			return err
		}
		for _, ix := range indexes {
			var cols []string
			if err := query(db, func(c []string) { cols = append(cols, c[2]) }, fmt.Sprintf("PRAGMA index_info(%q)", ix[1])); err != nil {
				return err
			}
			add("index %s unique=%s origin=%s (%s)", ix[1], ix[2], ix[3], strings.Join(cols, ", "))
		}
		err = query(db, func(c []string) {
			add("foreign key (%s) references %s (%s) on update %s on delete %s", c[3], c[2], c[4], c[5], c[6])
		}, fmt.Sprintf("PRAGMA foreign_key_list(%q)", t))
		if err != nil {
			return err
		}
		for _, m := range checkClause.FindAllStringSubmatch(ddl, -1) {
			add("check %s", strings.Join(strings.Fields(m[1]), " "))
		}
	}
	return nil
}

func mysqlFacts(db *sql.DB, facts map[string][]string) error {
	add := func(t, f string, args ...any) { facts[t] = append(facts[t], fmt.Sprintf(f, args...)) }
	steps := []struct {
		q   string
		row func(c []string)
	}{
		{`SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES
			WHERE TABLE_SCHEMA = DATABASE()`,
			func(c []string) { add(c[0], "table engine=%s collation=%s", c[1], c[2]) }},
		{`SELECT TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
				CHARACTER_SET_NAME, COLLATION_NAME
			FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()`,
			func(c []string) {
				add(c[0], "column %s %s %s nullable=%s default=%s extra=%s charset=%s collation=%s",
					c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8])
			}},
		{`SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)
			FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
			GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE`,
			func(c []string) { add(c[0], "index %s non_unique=%s (%s)", c[1], c[2], c[3]) }},
		{`SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS
			WHERE CONSTRAINT_SCHEMA = DATABASE()`,
			func(c []string) { add(c[0], "constraint %s %s", c[1], c[2]) }},
		{`SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
			FROM information_schema.KEY_COLUMN_USAGE
			WHERE CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL`,
			func(c []string) { add(c[0], "foreign key %s (%s) references %s (%s)", c[1], c[2], c[3], c[4]) }},
		{`SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
			WHERE CONSTRAINT_SCHEMA = DATABASE()`,
			func(c []string) { add(c[0], "check %s %s", c[1], c[2]) }},
	}
	for _, s := range steps {
		if err := query(db, s.row, s.q); err != nil {
			return err
		}
	}
	return nil
}
