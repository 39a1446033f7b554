package graph

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"lifecircle/ent"
	"lifecircle/internal/limits"
	"lifecircle/internal/live"
	"lifecircle/internal/metrics"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/webhook"
)

// Options tune the GraphQL handler.
type Options struct {
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64
	// MaxDepth bounds selection nesting (default 12).
	MaxDepth int
	// MaxCost bounds one operation's cost (default 25,000): see limits.Checker.
	MaxCost int
	// Budget charges each operation's cost to its caller (nil: no rate limits).
	Budget *limits.Budget
	// AllowList, when not empty, limits the public endpoint to its operations.
	AllowList *limits.AllowList
	// Places is the service-map index (default: a new one over the client).
	Places *servicemap.Index
	// Walk is the walking model (default: servicemap.DefaultWalkModel).
	Walk *servicemap.WalkModel
	// Extensions run before the others (tracing, when configured).
	Extensions []graphql.HandlerExtension
	// PersistedQueries stores automatic persisted queries (default:
	// NewPersistedQueryCache, in this process).
	PersistedQueries graphql.Cache[string]
	// Live delivers subscriptions, public and private (nil: subscriptions
	// are refused). It follows live.Changes and liveprivate.Sources.
	Live *live.Hub
	// Websocket and SSE are the subscription transports (nil: not
	// offered); see Transports.
	Websocket *transport.Websocket
	SSE       *transport.SSE
	// Webhooks manages webhook endpoints (its AllowPrivate: the server's
	// -webhook-allow-private).
	Webhooks webhook.Endpoints
}

// MaxPersistedQuery is the longest document persisted (APQ), in bytes.
const MaxPersistedQuery = 32 << 10

// NewPersistedQueryCache is the in-process store of persisted queries:
// 16 MB, counted in bytes.
func NewPersistedQueryCache() graphql.Cache[string] {
	return limits.NewByteLRU(16<<20, MaxPersistedQuery, func(hash, query string) int {
		return len(hash) + len(query) + 64
	})
}

// NewHandler returns the GraphQL HTTP handler over client, built explicitly
// rather than with gqlgen's NewDefaultServer so that every limit is ours.
func NewHandler(client *ent.Client, opts Options) http.Handler {
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxDepth == 0 {
		opts.MaxDepth = 12
	}
	if opts.MaxCost == 0 {
		opts.MaxCost = 25000
	}
	if opts.Places == nil {
		opts.Places = servicemap.NewIndex(client)
	}
	walk := servicemap.DefaultWalkModel()
	if opts.Walk != nil {
		walk = *opts.Walk
	}
	srv := handler.New(NewSchema(client, opts.Places, walk, opts.Budget, opts.Live, opts.Webhooks))
	srv.Use(observer{}) // first: it sees every response as the client will
	for _, ext := range opts.Extensions {
		srv.Use(ext)
	}
	srv.AddTransport(transport.Options{})
	// Subscriptions: WebSocket (graphql-transport-ws) and SSE (graphql-sse,
	// distinct connections) come first: the POST transport would take an
	// SSE request for itself.
	if opts.Websocket != nil {
		srv.AddTransport(*opts.Websocket)
	}
	if opts.SSE != nil {
		srv.AddTransport(*opts.SSE)
	}
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	// Parsed documents are cached by their text, bounded in bytes (a
	// document's text is kept as its key, and its syntax tree is a few
	// times its size); documents over 64 KiB are parsed every time.
	parsed := limits.NewByteLRU(32<<20, 64<<10, func(query string, _ *ast.QueryDocument) int {
		return 4*len(query) + 1024
	})
	srv.SetQueryCache(parsed)
	srv.SetParserTokenLimit(limits.ParserTokenLimit)
	srv.SetValidationRulesFn(func() *rules.Rules {
		r := rules.NewDefaultRules()
		r.RemoveRule("MaxIntrospectionDepth")
		r.AddRule(limits.IntrospectionDepthRule())
		r.AddRule(limits.DefaultFirstRule())
		return r
	})
	srv.Use(extension.Introspection{})
	if opts.AllowList != nil {
		srv.Use(opts.AllowList) // before APQ: listed hashes need no registration
	}
	// Automatic persisted queries: a client may send the sha256 of a query
	// it sent before instead of the query, so a GET URL stays short and a
	// CDN can cache it.
	// The store is bounded in bytes; a document over 32 KiB is answered but
	// not persisted (the client is told PersistedQueryNotFound next time and
	// sends it again, as APQ clients do).
	if opts.PersistedQueries == nil {
		opts.PersistedQueries = NewPersistedQueryCache()
	}
	// Mutations' documents are not persisted (see queriesOnly).
	srv.Use(extension.AutomaticPersistedQuery{Cache: queriesOnly{metrics.CountLookups(metrics.CacheAPQ, opts.PersistedQueries)}})
	srv.Use(&limits.Checker{MaxDepth: opts.MaxDepth, MaxCost: opts.MaxCost, Budget: opts.Budget, Parsed: parsed})
	// Reads of other people's personal data are recorded (internal/datalog),
	// after a mutation's transaction committed.
	srv.Use(readLog{client: client})
	// Each mutation runs in one transaction: an error anywhere rolls back
	// everything it wrote.
	// A verified but unlinked sign-in may run linkSignIn only.
	srv.Use(linkGate{})
	srv.Use(transactioner{opener: client})
	// Field middleware: resolver errors tagged, personal reads noted.
	srv.AroundFields(aroundFields)
	srv.SetErrorPresenter(withRequestID(presentError))
	srv.SetRecoverFunc(recoverPanic)
	return limits.MaxBody(opts.MaxBodyBytes, srv)
}
