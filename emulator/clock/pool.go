package clock

import (
	"context"
	"sync"
)

// pool runs background work (webhook attempts) with bounded concurrency and
// in order per key: work for one key (a receiver) runs one after the other,
// work for different keys side by side, so a receiver that never answers
// holds up only its own queue.
type pool struct {
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{} // one token per running worker
	wg     sync.WaitGroup
	onDone func()

	mu      sync.Mutex
	queues  map[string][]func(context.Context) // a key is present while a drainer owns it
	busy    int                                // queued or running
	changed chan struct{}                      // closed (and replaced) when work finishes
}

func newPool(workers int, onDone func()) *pool {
	ctx, cancel := context.WithCancel(context.Background())
	return &pool{ctx: ctx, cancel: cancel, sem: make(chan struct{}, workers), onDone: onDone,
		queues: map[string][]func(context.Context){}, changed: make(chan struct{})}
}

func (p *pool) submit(key string, fn func(context.Context)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy++
	q, draining := p.queues[key]
	p.queues[key] = append(q, fn)
	if !draining {
		p.wg.Add(1)
		go p.drain(key)
	}
}

func (p *pool) drain(key string) {
	defer p.wg.Done()
	p.sem <- struct{}{}
	defer func() { <-p.sem }()
	for {
		p.mu.Lock()
		q := p.queues[key]
		if len(q) == 0 {
			delete(p.queues, key)
			p.mu.Unlock()
			return
		}
		fn := q[0]
		q[0] = nil
		p.queues[key] = q[1:]
		p.mu.Unlock()
		p.run(fn)
		p.mu.Lock()
		p.busy--
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
		if p.onDone != nil {
			p.onDone()
		}
	}
}

func (p *pool) run(fn func(context.Context)) {
	defer func() { _ = recover() }() // the work logs its own failures
	fn(p.ctx)
}

// state is how much work is queued or running, and a channel closed when
// some of it finishes.
func (p *pool) state() (int, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.busy, p.changed
}

// close cancels running work and waits for the workers to stop.
func (p *pool) close() {
	p.cancel()
	p.wg.Wait()
}
