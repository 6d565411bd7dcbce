// Package replicas holds the tests and benchmarks that run the console as
// real processes: the built binary, a standalone sandbox (`console sandbox`)
// as the platforms, and one or more `console serve` replicas in live mode on
// one database. See replicas_test.go; the README's "Running several
// replicas" lists the same commands.
package replicas
