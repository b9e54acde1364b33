// Package dal stores images in Glance's own database schema, on SQLite
// or MySQL/MariaDB, through gorm.
//
// The tables, columns, indexes and alembic revision are exactly those
// Glance creates, so this service can run on a database Glance created
// and Glance can run on one created here. Timestamps are naive UTC as
// SQLAlchemy writes them. Queries are written out as SQL: the schema is
// fixed by Glance, and listing must stay fast, so gorm serves for the
// connection pool, transactions and statement caching rather than for
// models or migrations.
//
// Tests of the deleted and os_hidden flags are written +deleted = 0: the
// unary plus keeps SQLite, which has no statistics on Glance's tables,
// from choosing the flag's index (nearly every row has deleted = 0) over
// the selective one on image_id or over reading created_at in order.
// MySQL ignores the plus.
package dal
