package opendata

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
)

// heapHeadroom is how far a download lets the heap grow over the live heap
// before it starts a collection.
//
// A download allocates about 300 bytes a row however it is written: that
// is what the PostgreSQL driver allocates to decode a row, so a million rows
// leave about 300 MB of garbage. The runtime's pacer (GOGC=100) lets the
// heap grow by the live heap before it collects, and the service map's
// index keeps that at about 100 MB with a million facilities: every large
// download would grow the server's RSS by about as much. Collecting every
// heapHeadroom instead keeps the growth near heapHeadroom, at the cost of a
// dozen extra collections per million rows (each about 25 ms of CPU on a
// 100 MB live heap), and only while a download runs: the GC settings of the
// process stay as they are.
const heapHeadroom = 24 << 20

// collecting is set while a collection started by a download runs.
var collecting atomic.Bool

// A heapWatch starts a collection when the heap has grown heapHeadroom over
// the live heap. Check it every few thousand rows.
type heapWatch struct{ samples [2]metrics.Sample }

func newHeapWatch() *heapWatch {
	return &heapWatch{samples: [2]metrics.Sample{
		{Name: "/gc/heap/live:bytes"},                // marked live by the last collection
		{Name: "/memory/classes/heap/objects:bytes"}, // live and not yet collected
	}}
}

func (h *heapWatch) check() {
	metrics.Read(h.samples[:])
	live, inUse := h.samples[0].Value.Uint64(), h.samples[1].Value.Uint64()
	if inUse > live+heapHeadroom && collecting.CompareAndSwap(false, true) {
		// In the background: the download goes on while the collector
		// marks.
		go func() {
			defer collecting.Store(false)
			runtime.GC()
		}()
	}
}
