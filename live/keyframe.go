package live

// Keyframe detection from RTP payloads, so the packet cache knows where the
// last decodable picture starts without asking the publisher for one.

// isVP8Keyframe reports whether an RTP payload (RFC 7741) carries the first
// packet of a VP8 key frame: the start of partition 0 with the P bit clear.
func isVP8Keyframe(payload []byte) bool {
	if len(payload) < 1 {
		return false
	}
	b0 := payload[0]
	s := b0&0x10 != 0
	pid := b0 & 0x07
	if !s || pid != 0 {
		return false
	}
	i := 1
	if b0&0x80 != 0 { // X: extended control bits
		if len(payload) <= i {
			return false
		}
		x := payload[i]
		i++
		if x&0x80 != 0 { // I: picture ID, 7 or 15 bits
			if len(payload) <= i {
				return false
			}
			if payload[i]&0x80 != 0 {
				i += 2
			} else {
				i++
			}
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K: TID/Y/KEYIDX byte
			i++
		}
	}
	if len(payload) <= i {
		return false
	}
	// VP8 payload header: bit 0 of the first byte is the inverse key frame flag.
	return payload[i]&0x01 == 0
}

// H.264 NAL unit types that matter here (RFC 6184).
const (
	naluIDR   = 5
	naluSPS   = 7
	naluSTAPA = 24
	naluFUA   = 28
)

// isH264Keyframe reports whether an RTP payload (RFC 6184) carries an SPS or
// the start of an IDR slice, directly, inside a STAP-A or as the first
// fragment of an FU-A.
func isH264Keyframe(payload []byte) bool {
	if len(payload) < 1 {
		return false
	}
	switch t := payload[0] & 0x1f; t {
	case naluIDR, naluSPS:
		return true
	case naluSTAPA:
		for i := 1; i+2 < len(payload); {
			size := int(payload[i])<<8 | int(payload[i+1])
			i += 2
			if size == 0 || i+size > len(payload) {
				return false
			}
			switch payload[i] & 0x1f {
			case naluIDR, naluSPS:
				return true
			}
			i += size
		}
	case naluFUA:
		if len(payload) < 2 {
			return false
		}
		start := payload[1]&0x80 != 0
		return start && payload[1]&0x1f == naluIDR
	}
	return false
}
