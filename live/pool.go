package live

import (
	"sync"
	"time"
)

// item is one unit of work for a viewer's track: a packet of a layer to
// forward, a catch-up burst, or sequence numbers its receiver NACKed.
type item struct {
	dt     *downTrack
	p      *packet
	l      *layer
	nack   []uint16
	burst  []*packet // catch-up packets of layer l, written paced
	resume bool      // continue a paced burst
}

// pushResult says what became of a pushed item.
type pushResult int

const (
	pushed  pushResult = iota
	dropped            // queue full, item lost
	tooSlow            // queue full for longer than the slow-viewer timeout
	queueClosed
)

// sendQueue is a viewer's bounded FIFO of items not yet written. The fan-out
// pushes, and at most one writer goroutine at a time drains it (the
// scheduled flag), so a viewer's packets stay in order without a goroutine
// per viewer.
type sendQueue struct {
	mu        sync.Mutex // guards the fields below
	buf       []item     // ring, grows up to max
	head, n   int
	max       int
	scheduled bool
	closed    bool
	fullSince time.Time // when the queue started overflowing, zero if it is not
	drops     uint64
}

func (q *sendQueue) push(it item, slow time.Duration) (res pushResult, schedule bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return queueClosed, false
	}
	if q.n == len(q.buf) {
		if len(q.buf) >= q.max {
			q.drops++
			now := time.Now()
			if q.fullSince.IsZero() {
				q.fullSince = now
			} else if now.Sub(q.fullSince) > slow {
				return tooSlow, false
			}
			return dropped, false
		}
		size := max(16, 2*len(q.buf))
		size = min(size, q.max)
		nb := make([]item, size)
		for i := 0; i < q.n; i++ {
			nb[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = nb, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = it
	q.n++
	if !q.scheduled {
		q.scheduled = true
		return pushed, true
	}
	return pushed, false
}

// take moves every queued item into dst. Draining the queue ends an
// overflow episode.
func (q *sendQueue) take(dst []item) []item {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := 0; i < q.n; i++ {
		j := (q.head + i) % len(q.buf)
		dst = append(dst, q.buf[j])
		q.buf[j] = item{}
	}
	q.head, q.n = 0, 0
	q.fullSince = time.Time{}
	return dst
}

// finish ends a drain; it reports whether more items arrived meanwhile, in
// which case the queue stays scheduled and must be handed back to the pool.
func (q *sendQueue) finish() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n > 0 && !q.closed {
		return true
	}
	q.scheduled = false
	return false
}

func (q *sendQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	for i := 0; i < q.n; i++ {
		q.buf[(q.head+i)%len(q.buf)] = item{}
	}
	q.n = 0
	q.buf = nil
}

func (q *sendQueue) dropCount() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.drops
}

// pool is the node's small set of writer goroutines. Viewers with queued
// items wait in ready; a worker takes one, writes its whole batch, and puts
// it back at the end if more arrived, so one busy viewer cannot starve others.
type pool struct {
	mu     sync.Mutex // guards ready and closed
	cond   *sync.Cond
	ready  []*Viewer
	closed bool
	wg     sync.WaitGroup
}

func newPool(workers int) *pool {
	p := &pool{}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(workers)
	for i := 0; i < workers; i++ {
		go p.work()
	}
	return p
}

func (p *pool) schedule(v *Viewer) {
	p.mu.Lock()
	if !p.closed {
		p.ready = append(p.ready, v)
	}
	p.mu.Unlock()
	p.cond.Signal()
}

func (p *pool) work() {
	defer p.wg.Done()
	var batch []item
	for {
		p.mu.Lock()
		for len(p.ready) == 0 && !p.closed {
			p.cond.Wait()
		}
		if p.closed {
			p.mu.Unlock()
			return
		}
		v := p.ready[0]
		p.ready[0] = nil
		p.ready = p.ready[1:]
		p.mu.Unlock()

		batch = v.q.take(batch[:0])
		for i := range batch {
			batch[i].dt.send(&batch[i])
			batch[i] = item{}
		}
		if v.q.finish() {
			p.schedule(v)
		}
	}
}

func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.ready = nil
	p.mu.Unlock()
	p.cond.Broadcast()
	p.wg.Wait()
}
