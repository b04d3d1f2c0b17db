package db

import (
	"slices"
	"sync"
)

// Batcher groups writes that arrive together, so that many requests share
// one statement or transaction (and one commit): Add queues an item, and
// a runner hands everything queued meanwhile, up to max items at a time,
// to write. Up to flights runners write at once, so the next batch is sent
// while one waits for its commit; a runner ends when the queue is empty.
// Answering each item's request is write's business (an item carries its
// own reply channel).
type Batcher[T any] struct {
	max, flights int
	write        func(items []T)

	mu      sync.Mutex
	queue   []T
	busy    int  // runners writing
	holding bool // Hold: queue without writing
}

// NewBatcher returns a Batcher that calls write with batches of at most
// maxItems items, at most flights at a time (both at least 1).
func NewBatcher[T any](maxItems, flights int, write func(items []T)) *Batcher[T] {
	return &Batcher[T]{max: max(maxItems, 1), flights: max(flights, 1), write: write}
}

// Add queues item for the next batch.
func (b *Batcher[T]) Add(item T) {
	b.mu.Lock()
	b.queue = append(b.queue, item)
	b.start()
	b.mu.Unlock()
}

// start starts a runner if one more may run; b.mu is held.
func (b *Batcher[T]) start() {
	if !b.holding && len(b.queue) > 0 && b.busy < b.flights {
		b.busy++
		go b.run()
	}
}

func (b *Batcher[T]) run() {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 || b.holding {
			b.busy--
			b.mu.Unlock()
			return
		}
		n := min(len(b.queue), b.max)
		items := slices.Clone(b.queue[:n])
		b.queue = slices.Delete(b.queue, 0, n)
		b.mu.Unlock()
		b.write(items)
	}
}

// Hold makes items queue without being written until Release; a batch
// being written finishes. Tests use it to gather a batch.
func (b *Batcher[T]) Hold() {
	b.mu.Lock()
	b.holding = true
	b.mu.Unlock()
}

// Release ends Hold: what queued meanwhile is written.
func (b *Batcher[T]) Release() {
	b.mu.Lock()
	b.holding = false
	for range b.flights {
		b.start()
	}
	b.mu.Unlock()
}

// Queued returns how many items wait for a batch.
func (b *Batcher[T]) Queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}
