package limits

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// ByteLRU is a least-recently-used cache bounded by the bytes it holds, not
// by its number of entries: a cache of 10,000 entries of GraphQL documents
// that may each be a megabyte is no bound at all. It implements gqlgen's
// graphql.Cache, for the parsed-document and persisted-query caches.
type ByteLRU[T any] struct {
	maxBytes, maxEntry int
	size               func(key string, v T) int

	mu    sync.Mutex
	used  int
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type lruEntry[T any] struct {
	key  string
	v    T
	size int
}

var _ graphql.Cache[string] = (*ByteLRU[string])(nil)

// NewByteLRU holds up to maxBytes, as size measures them; an entry larger
// than maxEntry is never kept.
func NewByteLRU[T any](maxBytes, maxEntry int, size func(key string, v T) int) *ByteLRU[T] {
	return &ByteLRU[T]{maxBytes: maxBytes, maxEntry: maxEntry, size: size,
		order: list.New(), items: map[string]*list.Element{}}
}

// Get implements graphql.Cache.
func (c *ByteLRU[T]) Get(_ context.Context, key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		var zero T
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry[T]).v, true
}

// Add implements graphql.Cache.
func (c *ByteLRU[T]) Add(_ context.Context, key string, v T) {
	n := c.size(key, v)
	if n > c.maxEntry || n > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	c.items[key] = c.order.PushFront(&lruEntry[T]{key: key, v: v, size: n})
	c.used += n
	for c.used > c.maxBytes {
		c.remove(c.order.Back())
	}
}

func (c *ByteLRU[T]) remove(el *list.Element) {
	e := el.Value.(*lruEntry[T])
	c.order.Remove(el)
	delete(c.items, e.key)
	c.used -= e.size
}

// Bytes is what the cache holds now, as size measures it.
func (c *ByteLRU[T]) Bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
