package store

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// The job queue (River, internal/jobs) keeps its tables in the same
// database. Its schema is one of the store's migrations, pinned to the River
// schema version this console was built with, so it is applied in order and
// under the same lock as the console's own tables: rivermigrate takes no lock
// of its own, and several replicas start at once. A River upgrade that brings
// a new schema version adds a new migration here.
const (
	riverMigrationVersion = 40 // goose version of the step below
	riverSchemaVersion    = 8  // River v0.51's latest schema, on both drivers
)

func (s *Store) riverMigration() *goose.Migration {
	// Each River migration runs in a transaction of its own (PostgreSQL cannot
	// use an enum value added in the same transaction); River records the
	// versions it applied, so a step cut short is resumed, not repeated.
	run := func(direction rivermigrate.Direction, target int) func(ctx context.Context, db *sql.DB) error {
		return func(ctx context.Context, db *sql.DB) error {
			opts := &rivermigrate.MigrateOpts{TargetVersion: target}
			if s.backend == Postgres {
				m, err := rivermigrate.New(riverdatabasesql.New(db), nil)
				if err != nil {
					return err
				}
				_, err = m.Migrate(ctx, direction, opts)
				return err
			}
			m, err := rivermigrate.New(riversqlite.New(db), nil)
			if err != nil {
				return err
			}
			_, err = m.Migrate(ctx, direction, opts)
			return err
		}
	}
	return goose.NewGoMigration(riverMigrationVersion,
		&goose.GoFunc{RunDB: run(rivermigrate.DirectionUp, riverSchemaVersion)},
		&goose.GoFunc{RunDB: run(rivermigrate.DirectionDown, -1)})
}
