package live

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v3"
)

// Node is the media server of one process: it holds the rooms by ID, the
// pion APIs, the writer pool shared by all viewers, and the optional
// embedded TURN server. Create one with NewNode in main and Close it on
// shutdown.
type Node struct {
	cfg     Config
	pubAPI  *webrtc.API
	viewAPI *webrtc.API
	pool    *pool
	turn    *turnServer
	closers []func() error

	certMu sync.Mutex // guards cert
	cert   *webrtc.Certificate

	mu     sync.Mutex // guards rooms and closed
	rooms  map[string]*Room
	closed bool

	stop  chan struct{}
	done  chan struct{}
	stats counters
}

// counters are the node-wide totals behind Stats.
type counters struct {
	packetsIn, packetsOut, drops   atomic.Uint64
	nacks, retransmits, nackMissed atomic.Uint64
	pliSent, pliSuppressed         atomic.Uint64
	slowRemoved                    atomic.Uint64
}

// Stats are node-wide totals for metrics.
type Stats struct {
	Rooms, Viewers int
	// PacketsIn counts RTP packets received from publishers, PacketsOut
	// packets written to viewers (retransmissions included), Drops packets
	// lost to full viewer queues.
	PacketsIn, PacketsOut, Drops uint64
	// NACKs counts sequence numbers viewers asked for again, Retransmits
	// those answered from the cache, NACKMissed those no longer cached.
	NACKs, Retransmits, NACKMissed uint64
	// KeyframeRequests counts PLIs sent to publishers, KeyframeSuppressed
	// those withheld by the rate limit.
	KeyframeRequests, KeyframeSuppressed uint64
	// SlowViewersRemoved counts viewers removed for sustained overflow.
	SlowViewersRemoved uint64
}

// NewNode starts a media node. It returns an error when a port (the ICE UDP
// port or the TURN listeners) cannot be opened or the TURN configuration is
// invalid.
func NewNode(cfg Config) (*Node, error) {
	n := &Node{cfg: cfg.withDefaults(), rooms: map[string]*Room{}, stop: make(chan struct{}), done: make(chan struct{})}
	var err error
	if n.pubAPI, n.viewAPI, err = n.apis(); err != nil {
		n.closeAll()
		return nil, err
	}
	if cfg.TURN != nil {
		if n.turn, err = startTURN(*cfg.TURN, cfg.LoopbackOnly); err != nil {
			n.closeAll()
			return nil, err
		}
	}
	n.certificate() // made now rather than on the first join
	n.pool = newPool(n.cfg.Workers)
	go n.ticker()
	return n, nil
}

// Room returns the room with the given ID, creating it if needed. It
// returns ErrClosed after Close.
func (n *Node) Room(id string) (*Room, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, ErrClosed
	}
	r := n.rooms[id]
	if r == nil {
		r = newRoom(n, id)
		n.rooms[id] = r
	}
	return r, nil
}

// LookupRoom returns an existing room.
func (n *Node) LookupRoom(id string) (*Room, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	r, ok := n.rooms[id]
	return r, ok
}

func (n *Node) forget(r *Room) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.rooms[r.id] == r {
		delete(n.rooms, r.id)
	}
}

// ClientICEServers returns the ICE servers to hand to a browser: the
// configured ones plus the embedded TURN server with credentials for user
// (time-limited when a TURN secret is configured).
func (n *Node) ClientICEServers(user string) []ICEServer {
	out := append([]ICEServer(nil), n.cfg.ICEServers...)
	if n.turn != nil {
		out = append(out, n.turn.clientServers(user)...)
	}
	return out
}

// TURNAddrs returns the listen addresses of the embedded TURN server
// ("" for a transport that is off).
func (n *Node) TURNAddrs() (udp, tcp string) {
	if n.turn == nil {
		return "", ""
	}
	if n.turn.udp != nil {
		udp = n.turn.udp.String()
	}
	if n.turn.tcp != nil {
		tcp = n.turn.tcp.String()
	}
	return udp, tcp
}

// Stats returns node-wide totals.
func (n *Node) Stats() Stats {
	n.mu.Lock()
	rooms := make([]*Room, 0, len(n.rooms))
	for _, r := range n.rooms {
		rooms = append(rooms, r)
	}
	n.mu.Unlock()
	s := Stats{
		Rooms:     len(rooms),
		PacketsIn: n.stats.packetsIn.Load(), PacketsOut: n.stats.packetsOut.Load(),
		NACKs: n.stats.nacks.Load(), Retransmits: n.stats.retransmits.Load(), NACKMissed: n.stats.nackMissed.Load(),
		KeyframeRequests: n.stats.pliSent.Load(), KeyframeSuppressed: n.stats.pliSuppressed.Load(),
		SlowViewersRemoved: n.stats.slowRemoved.Load(), Drops: n.stats.drops.Load(),
	}
	for _, r := range rooms {
		s.Viewers += r.Stats().Viewers
	}
	return s
}

// Close closes every room, the writer pool and the TURN server.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	rooms := make([]*Room, 0, len(n.rooms))
	for _, r := range n.rooms {
		rooms = append(rooms, r)
	}
	n.mu.Unlock()
	for _, r := range rooms {
		r.Close()
	}
	close(n.stop)
	<-n.done
	n.pool.close()
	return n.closeAll()
}

func (n *Node) closeAll() error {
	var first error
	if n.turn != nil {
		first = n.turn.srv.Close()
	}
	for i := len(n.closers) - 1; i >= 0; i-- {
		if err := n.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ticker drives the once-a-second housekeeping: layer bitrates, key frames
// for waiting viewers, and whether viewers still receive.
func (n *Node) ticker() {
	defer close(n.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-n.stop:
			return
		case now := <-t.C:
			n.mu.Lock()
			rooms := make([]*Room, 0, len(n.rooms))
			for _, r := range n.rooms {
				rooms = append(rooms, r)
			}
			n.mu.Unlock()
			for _, r := range rooms {
				r.tick(now, now.Sub(last))
			}
			last = now
		}
	}
}
