package dal

import "gorm.io/gorm"

// OnStatement makes db call f with the text of every statement it runs
// from now on.
func OnStatement(db *DB, f func(sql string)) {
	cb := func(tx *gorm.DB) { f(tx.Statement.SQL.String()) }
	if err := db.gorm.Callback().Row().After("gorm:row").Register("test:statements", cb); err != nil {
		panic(err)
	}
	db.stmts.trace = f
	if err := db.gorm.Callback().Raw().After("gorm:raw").Register("test:statements", cb); err != nil {
		panic(err)
	}
}
