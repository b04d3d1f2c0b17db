package live

import "sync"

// packet is one received RTP packet as the fan-out shares it: immutable once
// cached, referenced by the cache and by viewers' queues at the same time.
type packet struct {
	seq      uint16
	ts       uint32
	marker   bool
	keyframe bool // first packet of a key frame
	payload  []byte
}

// seqBefore reports whether a comes before b in RTP sequence space.
func seqBefore(a, b uint16) bool { return a != b && b-a < 0x8000 }

// packetCache is the ring buffer of recent packets of one published layer,
// indexed by sequence number. It answers viewers' NACKs and hands a new
// viewer everything since the last key frame. It is shared by all viewers.
type packetCache struct {
	mu     sync.Mutex // guards the fields below
	ring   []*packet  // len is a power of two
	newest uint16
	any    bool
	keySeq uint16
	keyTS  uint32
	hasKey bool
}

func newPacketCache(size int) *packetCache {
	n := 1
	for n < size {
		n <<= 1
	}
	return &packetCache{ring: make([]*packet, n)}
}

func (c *packetCache) add(p *packet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ring[int(p.seq)&(len(c.ring)-1)] = p
	if !c.any || seqBefore(c.newest, p.seq) {
		c.newest, c.any = p.seq, true
	}
	if !p.keyframe {
		return
	}
	switch {
	case !c.hasKey, p.ts != c.keyTS && !seqBefore(p.seq, c.keySeq):
		// A new key frame (H.264 may spread it over SPS, PPS and IDR
		// packets with one timestamp; the first of them starts it).
		c.keySeq, c.keyTS, c.hasKey = p.seq, p.ts, true
	case p.ts == c.keyTS && seqBefore(p.seq, c.keySeq):
		c.keySeq = p.seq // an earlier part of the same key frame arrived late
	}
}

func (c *packetCache) get(seq uint16) *packet {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.ring[int(seq)&(len(c.ring)-1)]
	if p == nil || p.seq != seq {
		return nil
	}
	return p
}

// sinceKeyframe returns the cached packets from the start of the last key
// frame to the newest packet, in sequence order, or nil when there is no
// key frame in the cache any more.
func (c *packetCache) sinceKeyframe() []*packet {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.hasKey {
		return nil
	}
	span := int(c.newest-c.keySeq) + 1
	if span > len(c.ring) {
		return nil
	}
	first := c.ring[int(c.keySeq)&(len(c.ring)-1)]
	if first == nil || first.seq != c.keySeq {
		return nil
	}
	out := make([]*packet, 0, span)
	for i := 0; i < span; i++ {
		s := c.keySeq + uint16(i)
		if p := c.ring[int(s)&(len(c.ring)-1)]; p != nil && p.seq == s {
			out = append(out, p)
		}
	}
	return out
}
