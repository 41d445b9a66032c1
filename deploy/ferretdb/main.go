// Command cctrack-ferretdb runs FerretDB v1.24 embedded, as the local and test
// stand-in for MongoDB. Production deployments use real MongoDB.
//
// Flags: -listen (default 127.0.0.1:27017), -backend (postgresql or sqlite),
// -postgresql-url (the PostgreSQL cluster, for -backend postgresql), -data (the
// directory for the SQLite files, for -backend sqlite).
// It stops cleanly on SIGINT/SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	backend := flag.String("backend", "postgresql", "storage backend: postgresql or sqlite")
	pgURL := flag.String("postgresql-url", "postgres://127.0.0.1:54320/ferretdb",
		"PostgreSQL URL (backend postgresql)")
	data := flag.String("data", "var/ferretdb", "directory holding the SQLite databases (backend sqlite)")
	verbose := flag.Bool("verbose", false, "log at info level instead of warnings only")
	flag.Parse()

	cfg := ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: *listen}, Handler: *backend}
	where := ""
	switch *backend {
	case "postgresql":
		cfg.PostgreSQLURL = *pgURL
		where = "PostgreSQL " + *pgURL
	case "sqlite":
		dir, err := filepath.Abs(*data)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cctrack-ferretdb: data directory:", err)
			os.Exit(1)
		}
		cfg.SQLiteURL = "file:" + dir + "/"
		where = "SQLite files in " + dir
	default:
		fmt.Fprintf(os.Stderr, "cctrack-ferretdb: unknown -backend %q (postgresql or sqlite)\n", *backend)
		os.Exit(2)
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg.Logger = logger
	f, err := ferretdb.New(&cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cctrack-ferretdb:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	fmt.Fprintf(os.Stderr, "cctrack-ferretdb: listening on %s, data in %s\n", *listen, where)
	if err := f.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "cctrack-ferretdb:", err)
		os.Exit(1)
	}
}
