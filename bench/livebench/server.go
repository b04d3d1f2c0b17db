package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"

	"anpei/lecture"
	"anpei/live"
)

// sfu is what the child process serves over its small HTTP signaling API:
// POST /publish (offer → answer), POST /join?id= (→ offer),
// POST /answer?id= (answer), GET /stats.
type sfu interface {
	publish(ctx context.Context, offer string) (string, error)
	join(ctx context.Context, id string) (string, error)
	answer(id, sdp string) error
	stats() map[string]any
}

// serve runs the SFU child: it prints its signaling address on stdout and
// serves until stdin closes (the parent is gone or done).
func serve(kind string) error {
	var s sfu
	switch kind {
	case "live":
		n, err := live.NewNode(live.Config{LoopbackOnly: true, UDPPort: udpPort})
		if err != nil {
			return err
		}
		defer n.Close()
		room, err := n.Room("bench")
		if err != nil {
			return err
		}
		s = &liveSFU{node: n, room: room, viewers: map[string]*live.Viewer{}}
	case "naive":
		s = newNaive()
	default:
		return fmt.Errorf("unknown sfu %q", kind)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	body := func(r *http.Request) string { b, _ := io.ReadAll(r.Body); return string(b) }
	reply := func(w http.ResponseWriter, s string, err error) {
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		io.WriteString(w, s)
	}
	mux.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		a, err := s.publish(r.Context(), body(r))
		reply(w, a, err)
	})
	mux.HandleFunc("POST /join", func(w http.ResponseWriter, r *http.Request) {
		o, err := s.join(r.Context(), r.URL.Query().Get("id"))
		reply(w, o, err)
	})
	mux.HandleFunc("POST /answer", func(w http.ResponseWriter, r *http.Request) {
		reply(w, "", s.answer(r.URL.Query().Get("id"), body(r)))
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(s.stats())
	})
	mux.HandleFunc("GET /attendance", func(w http.ResponseWriter, r *http.Request) {
		ls, ok := s.(*liveSFU)
		if !ok {
			http.Error(w, "attendance is the live node's", http.StatusNotFound)
			return
		}
		from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
		to, _ := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
		var secs []float64
		for _, d := range ls.credited(lecture.Span{From: time.Unix(0, from), To: time.Unix(0, to)}) {
			secs = append(secs, d.Seconds())
		}
		json.NewEncoder(w).Encode(secs)
	})
	if profileDir != "" {
		f, err := os.Create(filepath.Join(profileDir, kind+".pprof"))
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	go http.Serve(l, mux)
	fmt.Println(l.Addr().String())
	io.Copy(io.Discard, os.Stdin)
	return nil
}

type liveSFU struct {
	node *live.Node
	room *live.Room

	mu        sync.Mutex
	viewers   map[string]*live.Viewer
	receiving atomic.Int64
	// attendance is what the node saw of each viewer, as the lecture
	// layer records it: joined, and the spans media was reaching them.
	attendance map[string]*lecture.Conn
}

func (s *liveSFU) publish(ctx context.Context, offer string) (string, error) {
	_, answer, err := s.room.Publish(ctx, offer, live.PeerOptions{})
	return answer, err
}

func (s *liveSFU) join(ctx context.Context, id string) (string, error) {
	s.mu.Lock()
	if s.attendance == nil {
		s.attendance = map[string]*lecture.Conn{}
	}
	s.attendance[id] = &lecture.Conn{ID: id, Joined: time.Now()}
	s.mu.Unlock()
	v, offer, err := s.room.Join(ctx, id, live.PeerOptions{OnEvent: func(e live.Event) {
		if e.Kind == live.EventReceiving {
			s.receiving.Add(1)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		c := s.attendance[id]
		open := len(c.Receiving) > 0 && c.Receiving[len(c.Receiving)-1].To.IsZero()
		switch e.Kind {
		case live.EventReceiving:
			if !open {
				c.Receiving = append(c.Receiving, lecture.Span{From: e.Time})
			}
		case live.EventStalled, live.EventDisconnected:
			if open {
				c.Receiving[len(c.Receiving)-1].To = e.Time
			}
			if e.Kind == live.EventDisconnected {
				c.Left = e.Time
			}
		}
	}})
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.viewers[id] = v
	s.mu.Unlock()
	return offer, nil
}

// credited applies the lecture layer's crediting rules (lecture.Credit:
// receiving time only, never more than the wall clock) to what the node
// saw of each viewer over the window, and returns each viewer's credit.
func (s *liveSFU) credited(window lecture.Span) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]time.Duration, 0, len(s.attendance))
	for _, c := range s.attendance {
		cc := *c
		cc.Receiving = append([]lecture.Span(nil), c.Receiving...)
		if n := len(cc.Receiving); n > 0 && cc.Receiving[n-1].To.IsZero() {
			cc.Receiving[n-1].To = window.To
		}
		out = append(out, lecture.Credit(window, []lecture.Conn{cc}, nil, nil).Credited)
	}
	return out
}

func (s *liveSFU) answer(id, sdp string) error {
	s.mu.Lock()
	v := s.viewers[id]
	s.mu.Unlock()
	if v == nil {
		return fmt.Errorf("unknown viewer %q", id)
	}
	return v.Answer(sdp)
}

func (s *liveSFU) stats() map[string]any {
	st := s.node.Stats()
	rs := s.room.Stats()
	return map[string]any{"viewers": rs.Viewers, "receiving": rs.Receiving, "receivingEvents": s.receiving.Load(),
		"drops": st.Drops, "nacks": st.NACKs, "retransmits": st.Retransmits, "nackMissed": st.NACKMissed,
		"pli": st.KeyframeRequests, "in": st.PacketsIn, "out": st.PacketsOut}
}

// naiveSFU is the floor to compare with, the way pion's examples fan out:
// one TrackLocalStaticRTP per published track shared by every viewer,
// pion's default interceptors on every peer connection, a key frame request
// to the publisher on each join.
type naiveSFU struct {
	api     *webrtc.API
	mu      sync.Mutex
	tracks  []*webrtc.TrackLocalStaticRTP
	pub     *webrtc.PeerConnection
	viewers map[string]*webrtc.PeerConnection
	videoSS webrtc.SSRC
}

func loopbackAPI(extra ...interceptor.Factory) *webrtc.API {
	var s webrtc.SettingEngine
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	m := &webrtc.MediaEngine{}
	must(m.RegisterDefaultCodecs())
	reg := &interceptor.Registry{}
	for _, f := range extra {
		reg.Add(f)
	}
	must(webrtc.RegisterDefaultInterceptors(m, reg))
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(s))
}

func newNaive() *naiveSFU {
	return &naiveSFU{api: loopbackAPI(), viewers: map[string]*webrtc.PeerConnection{}}
}

func (s *naiveSFU) publish(ctx context.Context, offer string) (string, error) {
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", err
	}
	// The tracks exist before any viewer joins: the bench publishes first.
	for _, k := range []webrtc.RTPCodecCapability{{MimeType: webrtc.MimeTypeOpus}, {MimeType: webrtc.MimeTypeVP8}} {
		t, _ := webrtc.NewTrackLocalStaticRTP(k, k.MimeType, "naive")
		s.tracks = append(s.tracks, t)
	}
	pc.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		out := s.tracks[0]
		if remote.Kind() == webrtc.RTPCodecTypeVideo {
			out = s.tracks[1]
			s.mu.Lock()
			s.videoSS = remote.SSRC()
			s.mu.Unlock()
		}
		buf := make([]byte, 1500)
		for {
			n, _, err := remote.Read(buf)
			if err != nil {
				return
			}
			out.Write(buf[:n])
		}
	})
	s.pub = pc
	return answerOffer(ctx, pc, offer)
}

func (s *naiveSFU) join(ctx context.Context, id string) (string, error) {
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", err
	}
	for _, t := range s.tracks {
		sender, err := pc.AddTrack(t)
		if err != nil {
			return "", err
		}
		go func() {
			for {
				if _, _, err := sender.ReadRTCP(); err != nil {
					return
				}
			}
		}()
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	g := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return "", err
	}
	<-g
	s.mu.Lock()
	s.viewers[id] = pc
	ssrc := s.videoSS
	s.mu.Unlock()
	s.pub.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(ssrc)}})
	return pc.LocalDescription().SDP, nil
}

func (s *naiveSFU) answer(id, sdp string) error {
	s.mu.Lock()
	pc := s.viewers[id]
	s.mu.Unlock()
	if pc == nil {
		return fmt.Errorf("unknown viewer %q", id)
	}
	return pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp})
}

func (s *naiveSFU) stats() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{"viewers": len(s.viewers)}
}

func answerOffer(ctx context.Context, pc *webrtc.PeerConnection, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	g := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", err
	}
	select {
	case <-g:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(10 * time.Second):
		return "", fmt.Errorf("ice gathering timed out")
	}
	return pc.LocalDescription().SDP, nil
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
