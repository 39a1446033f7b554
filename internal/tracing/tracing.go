// Package tracing exports OpenTelemetry traces of HTTP requests, GraphQL
// operations and resolvers, and SQL statements to an OTLP/HTTP collector.
// It is on only when an endpoint is configured; off, a nil *Tracing wraps
// nothing, so it costs nothing.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"lifecircle/internal/reqid"
)

// Standard environment variables of OpenTelemetry that turn tracing on.
const (
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvSDKDisabled    = "OTEL_SDK_DISABLED"
)

// Options of New.
type Options struct {
	// Endpoint is the base URL of an OTLP/HTTP receiver (spans go to
	// Endpoint/v1/traces). Empty: the standard environment variables
	// decide, read by the exporter itself.
	Endpoint string
	// Getenv reads the environment (os.Getenv).
	Getenv func(string) string
}

// Tracing is a tracer provider and the instrumentation that uses it.
type Tracing struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
}

// Enabled reports whether opts ask for tracing: an endpoint given, or one of
// the standard environment variables set, and the SDK not disabled.
func Enabled(opts Options) bool {
	if strings.EqualFold(opts.Getenv(EnvSDKDisabled), "true") {
		return false
	}
	return opts.Endpoint != "" || opts.Getenv(EnvEndpoint) != "" || opts.Getenv(EnvTracesEndpoint) != ""
}

// New starts tracing as opts ask, or returns nil when they do not.
// Sampling follows OTEL_TRACES_SAMPLER (default: every trace, or as the
// caller's traceparent says); the service is "lifecircle" unless
// OTEL_SERVICE_NAME says otherwise.
func New(ctx context.Context, opts Options) (*Tracing, error) {
	if !Enabled(opts) {
		return nil, nil
	}
	var expOpts []otlptracehttp.Option
	if opts.Endpoint != "" {
		expOpts = append(expOpts, otlptracehttp.WithEndpointURL(strings.TrimRight(opts.Endpoint, "/")+"/v1/traces"))
	}
	exp, err := otlptracehttp.New(ctx, expOpts...)
	if err != nil {
		return nil, fmt.Errorf("tracing: exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName("lifecircle")),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{
		provider: tp,
		tracer:   tp.Tracer("lifecircle"),
		prop:     propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}, nil
}

// Flush exports the spans ended so far.
func (t *Tracing) Flush(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.ForceFlush(ctx)
}

// Shutdown exports the spans left and stops.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}

// Handler traces each request as a server span, a child of the caller's
// traceparent when it sends one. next is a ServeMux: the span is named
// after the route pattern it matched.
func (t *Tracing) Handler(next http.Handler) http.Handler {
	if t == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := t.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method), semconv.URLPath(r.URL.Path)))
		defer span.End()
		if id := reqid.FromContext(ctx); id != "" {
			span.SetAttributes(attribute.String("lifecircle.request_id", id))
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		inner := r.WithContext(ctx)
		next.ServeHTTP(sw, inner)
		// The mux wrote its pattern into inner; pass it out, as the mux
		// would have, to the layers outside (the access log).
		r.Pattern = inner.Pattern
		if p := inner.Pattern; p != "" {
			if !strings.Contains(p, " ") { // a pattern for every method
				p = r.Method + " " + p
			}
			span.SetName(p)
			span.SetAttributes(semconv.HTTPRoute(inner.Pattern))
		}
		span.SetAttributes(semconv.HTTPResponseStatusCode(sw.status))
		if sw.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(sw.status))
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote, w.status = true, status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
