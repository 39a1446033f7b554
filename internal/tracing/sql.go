package tracing

import (
	"context"
	"database/sql"
	"strings"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// Driver wraps ent's driver so that each statement run for a traced request
// is a client span, a child of the resolver or request that ran it, with the statement's text
// (its parameters are left out: they may be personal data). It returns d
// itself when t is nil.
func (t *Tracing) Driver(d dialect.Driver) dialect.Driver {
	if t == nil {
		return d
	}
	system := semconv.DBSystemNameSQLite
	if d.Dialect() == dialect.Postgres {
		system = semconv.DBSystemNamePostgreSQL
	}
	return &tracedDriver{Driver: d, tracer: t.tracer, system: system}
}

type tracedDriver struct {
	dialect.Driver
	tracer trace.Tracer
	system attribute.KeyValue
}

// start begins a statement's span; only under a traced request or
// operation: start-up migrations, background jobs and the metrics' own
// queries at each scrape would otherwise each be a trace of their own.
func (d *tracedDriver) start(ctx context.Context, query string) (context.Context, trace.Span) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx, trace.SpanFromContext(ctx) // a no-op span
	}
	op := strings.ToUpper(firstWord(query))
	return d.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(d.system, semconv.DBOperationName(op), semconv.DBQueryText(query)))
}

func end(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

func (d *tracedDriver) Exec(ctx context.Context, query string, args, v any) error {
	ctx, span := d.start(ctx, query)
	err := d.Driver.Exec(ctx, query, args, v)
	end(span, err)
	return err
}

func (d *tracedDriver) Query(ctx context.Context, query string, args, v any) error {
	ctx, span := d.start(ctx, query)
	err := d.Driver.Query(ctx, query, args, v)
	end(span, err)
	return err
}

func (d *tracedDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &tracedTx{Tx: tx, d: d, ctx: ctx}, nil
}

// BeginTx is ent's way to open a transaction with options.
func (d *tracedDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return d.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &tracedTx{Tx: tx, d: d, ctx: ctx}, nil
}

// tracedTx traces the statements of a transaction, and its end as a span
// under the context it was opened in.
type tracedTx struct {
	dialect.Tx
	d   *tracedDriver
	ctx context.Context
}

func (t *tracedTx) Exec(ctx context.Context, query string, args, v any) error {
	ctx, span := t.d.start(ctx, query)
	err := t.Tx.Exec(ctx, query, args, v)
	end(span, err)
	return err
}

func (t *tracedTx) Query(ctx context.Context, query string, args, v any) error {
	ctx, span := t.d.start(ctx, query)
	err := t.Tx.Query(ctx, query, args, v)
	end(span, err)
	return err
}

func (t *tracedTx) Commit() error {
	_, span := t.d.start(t.ctx, "COMMIT")
	err := t.Tx.Commit()
	end(span, err)
	return err
}

func (t *tracedTx) Rollback() error {
	_, span := t.d.start(t.ctx, "ROLLBACK")
	err := t.Tx.Rollback()
	end(span, err)
	return err
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t\n("); i >= 0 {
		return s[:i]
	}
	return s
}
