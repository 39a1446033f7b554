package health

import (
	"context"
	"errors"

	"lifecircle/internal/outage"
)

// Pinger is a database handle (*sql.DB).
type Pinger interface {
	PingContext(ctx context.Context) error
}

// Database checks that db answers a ping. The reason it gives names the
// kind of failure, never the driver's text (hosts, ports, users).
func Database(db Pinger) Check {
	return Check{Name: "database", Run: func(ctx context.Context) error {
		err := db.PingContext(ctx)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err() // Run words the timeout
		case outage.Is(err):
			return errors.New("unreachable")
		}
		return errors.New("ping failed")
	}}
}

// Loader is something loaded at start, such as the service-map index.
type Loader interface {
	// Loaded reports whether it has loaded; if not, it starts loading
	// (in the background) and returns false.
	Loaded() bool
}

// Loaded checks that l has loaded, under name.
func Loaded(name string, l Loader) Check {
	return Check{Name: name, Run: func(context.Context) error {
		if !l.Loaded() {
			return errors.New("loading")
		}
		return nil
	}}
}
