package live

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/webrtc/v3"
)

// ICEServer is a STUN or TURN server handed to browsers (and used by the
// node itself for STUN).
type ICEServer struct {
	URLs       []string
	Username   string
	Credential string
}

// ICECandidate is one trickled ICE candidate, shaped like the browser's
// RTCIceCandidateInit so the signaling layer can pass it through as JSON.
type ICECandidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// Config is the media node's configuration. The zero value is usable: host
// candidates on every interface, no TURN, defaults for the fan-out.
type Config struct {
	// ICEServers are handed to clients by Node.ClientICEServers; the STUN
	// entries are also used by the node to learn its public address.
	ICEServers []ICEServer
	// UDPPort, when set, carries all media of the node over this one UDP
	// port (ICE UDP mux), for servers behind a firewall.
	UDPPort int
	// NAT1To1IPs are the public addresses announced as host candidates when
	// the node sits behind a 1:1 NAT.
	NAT1To1IPs []string
	// LoopbackOnly restricts ICE to 127.0.0.1 (tests, benchmarks, and a
	// browser on the same machine).
	LoopbackOnly bool
	// TURN, when set, runs an embedded TURN server.
	TURN *TURNConfig

	// Workers is the number of writer goroutines shared by all viewers
	// (default GOMAXPROCS).
	Workers int
	// ViewerQueue bounds each viewer's queue of packets not yet written
	// (default 1024). A viewer whose queue overflows loses packets.
	ViewerQueue int
	// SlowViewerTimeout removes a viewer whose queue keeps overflowing for
	// this long (default 3 s).
	SlowViewerTimeout time.Duration
	// KeyframeInterval is the least time between two key frame requests
	// (PLI) sent to the publisher for one layer (default 500 ms).
	KeyframeInterval time.Duration
	// ReceiveTimeout is how long a viewer's receiver reports may show no
	// progress before the viewer counts as no longer receiving (default 5 s).
	ReceiveTimeout time.Duration
	// Logf, when set, receives diagnostic messages.
	Logf func(format string, args ...any)
}

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.ViewerQueue <= 0 {
		c.ViewerQueue = 1024
	}
	if c.SlowViewerTimeout <= 0 {
		c.SlowViewerTimeout = 3 * time.Second
	}
	if c.KeyframeInterval <= 0 {
		c.KeyframeInterval = 500 * time.Millisecond
	}
	if c.ReceiveTimeout <= 0 {
		c.ReceiveTimeout = 5 * time.Second
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c
}

// The codecs a node accepts and forwards. Payload types follow Chrome's
// usual numbering so browser offers map without surprises.
var (
	videoFeedback = []webrtc.RTCPFeedback{
		{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}, {Type: "goog-remb"},
	}
	videoCodecs = []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFeedback}, PayloadType: 96},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", RTCPFeedback: videoFeedback}, PayloadType: 102},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", RTCPFeedback: videoFeedback}, PayloadType: 108},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f", RTCPFeedback: videoFeedback}, PayloadType: 112},
	}
	audioCodecs = []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
	}
)

func registerCodecs(m *webrtc.MediaEngine) error {
	for _, c := range videoCodecs {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return err
		}
	}
	for _, c := range audioCodecs {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return err
		}
	}
	return nil
}

// apis builds the two pion APIs of a node. Publishers get pion's default
// interceptors (NACK generation toward the publisher, receiver reports,
// TWCC feedback so the browser's congestion control works) and simulcast
// header extensions. Viewers get only sender reports: NACKs are answered
// from the shared packet cache, and REMB/receiver reports are read directly.
func (n *Node) apis() (pub, view *webrtc.API, err error) {
	var s webrtc.SettingEngine
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	s.SetICETimeouts(5*time.Second, 15*time.Second, 2*time.Second)
	// The node is the DTLS server toward viewers (its offer says actpass,
	// the viewer answers active). DTLS starts only once ICE has checked the
	// pair with the session's credentials, and the ICE agent takes no
	// other packets than from the session's candidates, so the cookie
	// exchange of HelloVerifyRequest (against spoofed source addresses)
	// proves nothing more and costs every join a round trip.
	s.SetDTLSInsecureSkipHelloVerify(true)
	// The node is the controlling ICE agent toward viewers and nominates
	// the first pair that works. pion would wait 500 ms from the start of
	// the checks before nominating a pair with a server-reflexive candidate
	// (a viewer behind a NAT) and 1 s with a peer-reflexive one: a viewer
	// whose check arrives before its candidate (trickled, hidden behind an
	// mDNS name, or not yet added when the answer was applied) is known
	// only so. The node's own candidates are host ones, so there is no
	// better path to wait for. Relayed pairs keep pion's wait, so that a
	// direct path found a moment later is preferred to TURN.
	s.SetSrflxAcceptanceMinWait(0)
	s.SetPrflxAcceptanceMinWait(0)
	if n.cfg.LoopbackOnly {
		s.SetIncludeLoopbackCandidate(true)
		s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	if len(n.cfg.NAT1To1IPs) > 0 {
		s.SetNAT1To1IPs(n.cfg.NAT1To1IPs, webrtc.ICECandidateTypeHost)
	}
	if n.cfg.UDPPort > 0 {
		ip := net.IPv4zero
		if n.cfg.LoopbackOnly {
			ip = net.IPv4(127, 0, 0, 1)
		}
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip, Port: n.cfg.UDPPort})
		if err != nil {
			return nil, nil, fmt.Errorf("live: ice udp port: %w", err)
		}
		n.closers = append(n.closers, conn.Close)
		mux := webrtc.NewICEUDPMux(nil, conn)
		n.closers = append(n.closers, mux.Close)
		s.SetICEUDPMux(mux)
	}

	pm := &webrtc.MediaEngine{}
	if err := registerCodecs(pm); err != nil {
		return nil, nil, err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(pm); err != nil {
		return nil, nil, err
	}
	pi := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(pm, pi); err != nil {
		return nil, nil, err
	}
	pub = webrtc.NewAPI(webrtc.WithMediaEngine(pm), webrtc.WithInterceptorRegistry(pi), webrtc.WithSettingEngine(s))

	vm := &webrtc.MediaEngine{}
	if err := registerCodecs(vm); err != nil {
		return nil, nil, err
	}
	vi := &interceptor.Registry{}
	sr, err := report.NewSenderInterceptor()
	if err != nil {
		return nil, nil, err
	}
	vi.Add(sr)
	view = webrtc.NewAPI(webrtc.WithMediaEngine(vm), webrtc.WithInterceptorRegistry(vi), webrtc.WithSettingEngine(s))
	return pub, view, nil
}

// peerConfig is the configuration of the node's own peer connections: only
// STUN servers matter to a server with a reachable address, and all share
// the node's DTLS certificate.
func (n *Node) peerConfig() webrtc.Configuration {
	var c webrtc.Configuration
	if cert := n.certificate(); cert != nil {
		c.Certificates = []webrtc.Certificate{*cert}
	}
	for _, s := range n.cfg.ICEServers {
		var urls []string
		for _, u := range s.URLs {
			if strings.HasPrefix(u, "stun:") || strings.HasPrefix(u, "stuns:") {
				urls = append(urls, u)
			}
		}
		if len(urls) > 0 {
			c.ICEServers = append(c.ICEServers, webrtc.ICEServer{URLs: urls})
		}
	}
	return c
}

// certificate returns the node's DTLS certificate (ECDSA P-256), shared by
// all its peer connections instead of a key pair and a signature per join.
// A new one replaces it a day before it expires (pion's last a month). On
// failure it returns nil, and pion makes one per connection.
func (n *Node) certificate() *webrtc.Certificate {
	n.certMu.Lock()
	defer n.certMu.Unlock()
	if n.cert != nil && time.Until(n.cert.Expires()) > 24*time.Hour {
		return n.cert
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var cert *webrtc.Certificate
	if err == nil {
		cert, err = webrtc.GenerateCertificate(key)
	}
	if err != nil {
		n.cfg.Logf("live: dtls certificate: %v", err)
		if n.cert != nil && time.Now().Before(n.cert.Expires()) {
			return n.cert
		}
		return nil
	}
	n.cert = cert
	return cert
}

func toCandidateInit(c ICECandidate) webrtc.ICECandidateInit {
	return webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment}
}

func fromCandidate(c *webrtc.ICECandidate) ICECandidate {
	j := c.ToJSON()
	return ICECandidate{Candidate: j.Candidate, SDPMid: j.SDPMid, SDPMLineIndex: j.SDPMLineIndex, UsernameFragment: j.UsernameFragment}
}

// Errors returned by the package.
var (
	ErrClosed      = errors.New("live: closed")
	ErrBadSDP      = errors.New("live: invalid session description")
	ErrNoMedia     = errors.New("live: offer carries no audio or video")
	ErrUnknownPeer = errors.New("live: unknown viewer")
)
