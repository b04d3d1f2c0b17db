// Command livebench measures the live media node (package live) against the
// naive pion fan-out, over loopback.
//
// One synthetic publisher (about 1 Mbps of VP8 with a key frame every 2 s,
// plus Opus) and N pion viewers with pion's default (browser-like)
// interceptors run in this process; the SFU runs in a child process (this
// binary re-executed with -serve) so its CPU time (/proc/<pid>/stat utime +
// stime) and resident memory (/proc/<pid>/status VmRSS) are its own. For
// each N it reports server CPU seconds per viewer-minute, memory per viewer,
// video loss (sequence gaps), one-way latency (a send timestamp inside each
// frame) and time to first frame (join request to the first complete frame).
// Under each row, "joins took" is the CPU the joins found (the SFU's, this
// process's, the rest of the machine's: other work on the machine slows
// every step), and "join" where the time to first frame went, step by step
// as the viewers saw it: offer received, answer made and posted, ICE and
// DTLS connected, first video packet, first complete frame.
//
// Run it in a private network namespace so nothing leaves the machine:
//
//	go build -o /tmp/livebench ./bench/livebench
//	unshare -rn sh -c 'ip link set lo up && /tmp/livebench'
//	/tmp/livebench -n 25,50 -duration 10s -naive 50   # shorter
//	/tmp/livebench -udp-port 50000                    # the node on one UDP port
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

var (
	profileDir string
	udpPort    int
)

func main() {
	serveKind := flag.String("serve", "", "internal: run the SFU child (live or naive)")
	ns := flag.String("n", "25,50,100,150", "viewer counts to measure with the live node")
	naiveN := flag.String("naive", "50", "viewer counts to measure with the naive fan-out (empty: none)")
	duration := flag.Duration("duration", 20*time.Second, "measured time per run")
	rounds := flag.Int("rounds", 1, "measure each naive N and the live node at that N this many times, alternating, and report the median CPU ratio")
	flag.StringVar(&profileDir, "cpuprofile", "", "write a CPU profile of each SFU child into this directory")
	flag.IntVar(&udpPort, "udp-port", 0, "live node: carry all media over this one UDP port (ICE UDP mux); 0: a socket per peer")
	flag.Parse()
	if *serveKind != "" {
		if err := serve(*serveKind); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	var results []result
	for _, run := range plan(*ns, *naiveN) {
		fmt.Fprintf(os.Stderr, "running %s with %d viewers for %v...\n", run.kind, run.n, *duration)
		r, err := measure(run.kind, run.n, *duration)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s N=%d: %v\n", run.kind, run.n, err)
			os.Exit(1)
		}
		results = append(results, r)
		printTable(results[len(results)-1:], len(results) == 1)
	}
	for r := 1; r < *rounds; r++ {
		for _, run := range plan("", *naiveN) {
			for _, kind := range []string{"naive", "live"} {
				fmt.Fprintf(os.Stderr, "round %d: %s with %d viewers...\n", r+1, kind, run.n)
				res, err := measure(kind, run.n, *duration)
				if err != nil {
					fmt.Fprintf(os.Stderr, "%s N=%d: %v\n", kind, run.n, err)
					os.Exit(1)
				}
				results = append(results, res)
			}
		}
	}
	fmt.Println()
	printTable(results, true)
	ratios := map[int][]float64{}
	live := map[int][]float64{}
	for _, r := range results {
		if r.kind == "live" {
			live[r.n] = append(live[r.n], r.cpuPerViewerMin)
		}
	}
	for _, b := range results {
		if b.kind == "naive" && b.cpuPerViewerMin > 0 && len(live[b.n]) > 0 {
			// pair each naive run with the live run of the same round
			i := len(ratios[b.n])
			a := live[b.n][min(i, len(live[b.n])-1)]
			ratios[b.n] = append(ratios[b.n], a/b.cpuPerViewerMin)
		}
	}
	for n, rs := range ratios {
		slices.Sort(rs)
		fmt.Printf("N=%d: live CPU per viewer-minute = %.2f × naive (median of %d, all %.2f)\n", n, rs[len(rs)/2], len(rs), rs)
	}
}

type runSpec struct {
	kind string
	n    int
}

func plan(ns, naive string) []runSpec {
	var out []runSpec
	for _, part := range []struct{ kind, list string }{{"naive", naive}, {"live", ns}} {
		for _, s := range strings.Split(part.list, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				fmt.Fprintf(os.Stderr, "bad viewer count %q\n", s)
				os.Exit(2)
			}
			out = append(out, runSpec{part.kind, n})
		}
	}
	return out
}

type result struct {
	kind                 string
	n                    int
	cpuPerViewerMin      float64 // server CPU seconds per viewer-minute
	rssMB, perViewerKB   float64
	lossPct              float64
	p50, p99             time.Duration // one-way latency
	ttff50, ttff95       time.Duration // join request to first complete frame
	media95              time.Duration // connected to first complete frame (the SFU's share)
	receiving, connected int
	clientCPU            float64 // cores used by this process (publisher and viewers)
	udpDrops             int     // kernel UDP receive-buffer drops in the window (all sockets of the namespace)
	serverStats          map[string]any
	window               time.Duration // the measured window
	credited             []float64     // live: seconds each viewer is credited for the window (lecture.Credit)
	phases               string        // where the time to first frame goes
	joins                joinLoad      // the CPU the joins found
}

// joinLoad is the CPU used from the first join request to the last first
// frame: by the SFU child, by this process (publisher and viewers), and by
// the whole machine (so also by anything else running on it).
type joinLoad struct {
	took                  time.Duration
	server, self, machine float64 // CPU seconds
}

func (j joinLoad) String() string {
	s := j.took.Seconds()
	return fmt.Sprintf("%.2f s, cores busy %.2f (SFU %.2f, viewers and publisher %.2f, rest of the machine %.2f)",
		s, j.machine/s, j.server/s, j.self/s, max(0, j.machine-j.server-j.self)/s)
}

// phases describes where the time to first frame goes, as the viewers see
// it: p50/p95 of the time from the join request to the offer, the answer
// made, the answer posted, ICE connected, DTLS connected (the peer
// connection's connected state), the first video packet and the first
// complete frame, then of each step between two of them, in milliseconds.
func phases(vs []*viewer) string {
	steps := []struct {
		name string
		get  func(v *viewer) int64
	}{
		{"offer", func(v *viewer) int64 { return v.offered.Load() }},
		{"answer", func(v *viewer) int64 { return v.answered.Load() }},
		{"posted", func(v *viewer) int64 { return v.posted.Load() }},
		{"ice", func(v *viewer) int64 { return v.iceUp.Load() }},
		{"dtls", func(v *viewer) int64 { return v.connected.Load() }},
		{"pkt", func(v *viewer) int64 { return v.firstPkt.Load() }},
		{"frame", func(v *viewer) int64 { return v.firstFrame.Load() }},
	}
	var b strings.Builder
	b.WriteString("at (p50/p95 ms):")
	for _, st := range steps {
		var ds []time.Duration
		for _, v := range vs {
			ds = append(ds, time.Duration(st.get(v)))
		}
		fmt.Fprintf(&b, " %s %.0f/%.0f", st.name, ms(pct(ds, 50)), ms(pct(ds, 95)))
	}
	b.WriteString("; steps:")
	for i := 1; i < len(steps); i++ {
		var ds []time.Duration
		for _, v := range vs {
			ds = append(ds, time.Duration(steps[i].get(v)-steps[i-1].get(v)))
		}
		fmt.Fprintf(&b, " %s→%s %.0f/%.0f", steps[i-1].name, steps[i].name, ms(pct(ds, 50)), ms(pct(ds, 95)))
	}
	return b.String()
}

// attendanceOK reports whether every viewer is credited the window's
// length, within a second (the live node only).
func (r result) attendanceOK() bool {
	if r.kind != "live" {
		return true
	}
	if len(r.credited) != r.n {
		return false
	}
	for _, c := range r.credited {
		if c < r.window.Seconds()-1 || c > r.window.Seconds()+0.001 {
			return false
		}
	}
	return true
}

func printTable(rs []result, header bool) {
	if header {
		fmt.Printf("%-6s %4s %14s %8s %10s %7s %7s %7s %9s %9s %9s %6s\n",
			"sfu", "N", "cpu s/view-min", "rss MB", "KB/viewer", "loss %", "p50 ms", "p99 ms", "ttff p50", "ttff p95", "conn→fr95", "media")
	}
	for _, r := range rs {
		fmt.Printf("%-6s %4d %14.4f %8.1f %10.0f %7.3f %7.1f %7.1f %9.0f %9.0f %9.0f %6d\n",
			r.kind, r.n, r.cpuPerViewerMin, r.rssMB, r.perViewerKB, r.lossPct,
			ms(r.p50), ms(r.p99), ms(r.ttff50), ms(r.ttff95), ms(r.media95), r.connected)
		if r.phases != "" {
			fmt.Printf("       joins took %v\n       join %s\n", r.joins, r.phases)
		}
		if r.serverStats != nil {
			b, _ := json.Marshal(r.serverStats)
			fmt.Printf("       client cores %.2f, kernel UDP drops %d; server counters in the window: %s\n", r.clientCPU, r.udpDrops, b)
		}
		if r.kind == "live" {
			lo, hi := 0.0, 0.0
			if len(r.credited) > 0 {
				lo, hi = slices.Min(r.credited), slices.Max(r.credited)
			}
			verdict := "matches the window"
			if !r.attendanceOK() {
				verdict = "DOES NOT match the window"
			}
			fmt.Printf("       attendance: %d of %d viewers credited %.1f–%.1f s of the %.1f s window (lecture.Credit on the node's receiving events): %s\n",
				len(r.credited), r.n, lo, hi, r.window.Seconds(), verdict)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// child is the SFU process.
type child struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	base string
}

func startChild(kind string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-serve", kind, "-udp-port", strconv.Itoa(udpPort)}
	if profileDir != "" {
		args = append(args, "-cpuprofile", profileDir)
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("child did not start: %w", err)
	}
	return &child{cmd: cmd, in: in, base: "http://" + strings.TrimSpace(line)}, nil
}

func (c *child) post(path, body string) (string, error) {
	resp, err := http.Post(c.base+path, "application/sdp", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", path, b)
	}
	return string(b), nil
}

func (c *child) stats() map[string]any {
	resp, err := http.Get(c.base + "/stats")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return m
}

// attendance returns what the lecture layer's rules credit each viewer for
// the window (the live node only; nil otherwise).
func (c *child) attendance(from, to time.Time) []float64 {
	resp, err := http.Get(fmt.Sprintf("%s/attendance?from=%d&to=%d", c.base, from.UnixNano(), to.UnixNano()))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	var secs []float64
	json.NewDecoder(resp.Body).Decode(&secs)
	return secs
}

func (c *child) stop() {
	c.in.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

// cpuSeconds is the child's user+system CPU time.
func (c *child) cpuSeconds() float64 { return cpuSeconds(c.cmd.Process.Pid) }

// cpuSeconds is a process's user+system CPU time from /proc/<pid>/stat.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64) // field 14
	st, _ := strconv.ParseFloat(f[12], 64) // field 15
	return (ut + st) / 100                 // USER_HZ
}

func (c *child) rssKB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb
		}
	}
	return 0
}

func measure(kind string, n int, duration time.Duration) (result, error) {
	res := result{kind: kind, n: n}
	c, err := startChild(kind)
	if err != nil {
		return res, err
	}
	defer c.stop()
	api := loopbackAPI()
	pub, err := startPublisher(api, c)
	if err != nil {
		return res, err
	}
	defer pub.close()
	time.Sleep(2 * time.Second)
	rssBase := c.rssKB()

	viewers := make([]*viewer, n)
	joinStart, server0, self0, machine0 := time.Now(), c.cpuSeconds(), cpuSeconds(os.Getpid()), machineCPU()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 10) // joins in flight, like a crowd arriving
	var joinErr atomic.Value
	for i := range viewers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			v, err := joinViewer(api, c, fmt.Sprint("v", i))
			if err != nil {
				joinErr.Store(err)
				return
			}
			viewers[i] = v
		}()
	}
	wg.Wait()
	if err, ok := joinErr.Load().(error); ok {
		return res, err
	}
	defer func() {
		for _, v := range viewers {
			v.pc.Close()
		}
	}()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && slices.ContainsFunc(viewers, func(v *viewer) bool { return v.firstFrame.Load() == 0 }) {
		time.Sleep(100 * time.Millisecond)
	}
	res.joins = joinLoad{took: time.Since(joinStart), server: c.cpuSeconds() - server0,
		self: cpuSeconds(os.Getpid()) - self0, machine: machineCPU() - machine0}
	time.Sleep(2 * time.Second)

	for _, v := range viewers {
		v.reset()
	}
	before := c.stats()
	udp0 := udpRcvbufErrors()
	cpu0, self0 := c.cpuSeconds(), cpuSeconds(os.Getpid())
	t0 := time.Now()
	time.Sleep(duration)
	cpu := c.cpuSeconds() - cpu0
	elapsed := time.Since(t0)
	res.clientCPU = (cpuSeconds(os.Getpid()) - self0) / elapsed.Seconds()
	res.udpDrops = udpRcvbufErrors() - udp0
	rss := c.rssKB()
	res.serverStats = c.stats()
	res.window = elapsed
	res.credited = c.attendance(t0, t0.Add(elapsed))
	for k, v := range res.serverStats { // counters: report the window's share
		if b, ok := before[k].(float64); ok && k != "viewers" && k != "receiving" && k != "receivingEvents" {
			res.serverStats[k] = v.(float64) - b
		}
	}

	res.cpuPerViewerMin = cpu / (float64(n) * elapsed.Minutes())
	res.rssMB = rss / 1024
	res.perViewerKB = (rss - rssBase) / float64(n)
	var lat, ttff, afterConnect []time.Duration
	var expected, received int64
	for _, v := range viewers {
		e, r, l := v.window()
		expected += e
		received += r
		lat = append(lat, l...)
		if f := v.firstFrame.Load(); f > 0 {
			ttff = append(ttff, time.Duration(f))
			afterConnect = append(afterConnect, time.Duration(f-v.connected.Load()))
			res.connected++
		}
	}
	if expected > 0 {
		res.lossPct = 100 * float64(expected-received) / float64(expected)
	}
	res.p50, res.p99 = pct(lat, 50), pct(lat, 99)
	res.ttff50, res.ttff95 = pct(ttff, 50), pct(ttff, 95)
	res.media95 = pct(afterConnect, 95)
	res.phases = phases(viewers)
	return res, nil
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, len(ds)*p/100)]
}

// The synthetic publisher: 30 frames/s of ~4.2 kB (about 1 Mbps), a key
// frame of ~12 kB every 2 s, Opus at 50 packets/s. Every video packet
// carries magic, frame number and send time after the VP8 headers.
const (
	magic      = 0xA11E
	packetSize = 1050
)

type publisher struct {
	pc    *webrtc.PeerConnection
	stop  chan struct{}
	done  sync.WaitGroup
	video *webrtc.TrackLocalStaticRTP
	audio *webrtc.TrackLocalStaticRTP
}

func startPublisher(api *webrtc.API, c *child) (*publisher, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &publisher{pc: pc, stop: make(chan struct{})}
	p.video, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "cam", "trainer")
	p.audio, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "mic", "trainer")
	for _, t := range []*webrtc.TrackLocalStaticRTP{p.audio, p.video} {
		s, err := pc.AddTrack(t)
		if err != nil {
			return nil, err
		}
		go func() {
			for {
				if _, _, err := s.ReadRTCP(); err != nil {
					return
				}
			}
		}()
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return nil, err
	}
	g := webrtc.GatheringCompletePromise(pc)
	pc.SetLocalDescription(offer)
	<-g
	answer, err := c.post("/publish", pc.LocalDescription().SDP)
	if err != nil {
		return nil, err
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		return nil, err
	}
	p.done.Add(1)
	go p.run()
	return p, nil
}

func (p *publisher) run() {
	defer p.done.Done()
	vt := time.NewTicker(time.Second / 30)
	defer vt.Stop()
	at := time.NewTicker(20 * time.Millisecond)
	defer at.Stop()
	var seq, aseq uint16
	var ts, ats uint32
	audio := make([]byte, 100)
	for frame := uint32(0); ; {
		select {
		case <-p.stop:
			return
		case <-at.C:
			aseq++
			ats += 960
			p.audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: aseq, Timestamp: ats, Marker: true}, Payload: audio})
		case <-vt.C:
			key := frame%60 == 0
			packets := 4
			if key {
				packets = 12
			}
			ts += 3000
			now := time.Now().UnixNano()
			for i := range packets {
				seq++
				b := make([]byte, packetSize)
				if i == 0 {
					b[0] = 0x10
				}
				if !key {
					b[1] = 0x01
				}
				binary.BigEndian.PutUint16(b[2:], magic)
				binary.BigEndian.PutUint32(b[4:], frame)
				binary.BigEndian.PutUint64(b[8:], uint64(now))
				p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: i == packets-1}, Payload: b})
			}
			frame++
		}
	}
}

func (p *publisher) close() {
	close(p.stop)
	p.done.Wait()
	p.pc.Close()
}

// viewer is one receiving pion peer with pion's default interceptors
// (NACK generator, receiver reports, TWCC), like a browser.
type viewer struct {
	pc         *webrtc.PeerConnection
	joined     time.Time
	firstFrame atomic.Int64 // time to first complete frame, ns
	connected  atomic.Int64 // time to the peer connection's connected state, ns
	// steps of the join, ns since joined: offer received, answer made,
	// answer posted, ICE connected, first video packet
	offered, answered, posted, iceUp, firstPkt atomic.Int64

	mu       sync.Mutex
	seen     map[uint16]bool
	first    uint16
	last     uint16
	started  bool
	lat      []time.Duration
	counting bool
}

func joinViewer(api *webrtc.API, c *child, id string) (*viewer, error) {
	v := &viewer{joined: time.Now(), seen: map[uint16]bool{}}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	v.pc = pc
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			v.connected.CompareAndSwap(0, int64(time.Since(v.joined)))
		}
	})
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s == webrtc.ICEConnectionStateConnected {
			v.iceUp.CompareAndSwap(0, int64(time.Since(v.joined)))
		}
	})
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if t.Kind() != webrtc.RTPCodecTypeVideo {
			buf := make([]byte, 1500)
			for {
				if _, _, err := t.Read(buf); err != nil {
					return
				}
			}
		}
		v.readVideo(t)
	})
	offer, err := c.post("/join?id="+id, "")
	if err != nil {
		return nil, err
	}
	v.offered.Store(int64(time.Since(v.joined)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, err := answerOffer(ctx, pc, offer)
	if err != nil {
		return nil, err
	}
	v.answered.Store(int64(time.Since(v.joined)))
	_, err = c.post("/answer?id="+id, answer)
	v.posted.Store(int64(time.Since(v.joined)))
	return v, err
}

func (v *viewer) readVideo(t *webrtc.TrackRemote) {
	var inFrame bool // received the key frame start; the first marker completes the first frame
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now()
		v.firstPkt.CompareAndSwap(0, int64(now.Sub(v.joined)))
		p := pkt.Payload
		if len(p) < 16 || binary.BigEndian.Uint16(p[2:]) != magic {
			continue
		}
		if v.firstFrame.Load() == 0 {
			if p[0]&0x10 != 0 && p[1]&0x01 == 0 {
				inFrame = true
			}
			if inFrame && pkt.Marker {
				v.firstFrame.Store(int64(now.Sub(v.joined)))
			}
		}
		sent := time.Unix(0, int64(binary.BigEndian.Uint64(p[8:])))
		v.mu.Lock()
		if v.counting {
			if !v.started {
				v.first, v.last, v.started = pkt.SequenceNumber, pkt.SequenceNumber, true
			} else if d := pkt.SequenceNumber - v.last; d != 0 && d < 0x8000 {
				v.last = pkt.SequenceNumber
			}
			v.seen[pkt.SequenceNumber] = true
			if pkt.Marker {
				v.lat = append(v.lat, now.Sub(sent))
			}
		}
		v.mu.Unlock()
	}
}

func (v *viewer) reset() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.counting = true
	v.started = false
	clear(v.seen)
	v.lat = nil
}

// window returns the packets expected and received in the measured window
// (a retransmitted packet counts as received) and the latencies of the
// frames completed in it.
func (v *viewer) window() (expected, received int64, lat []time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.counting = false
	if !v.started {
		return 0, 0, nil
	}
	expected = int64(v.last-v.first) + 1
	for s := range v.seen {
		if s-v.first <= v.last-v.first {
			received++
		}
	}
	return expected, received, v.lat
}

// udpRcvbufErrors reads the kernel's count of UDP datagrams dropped for a
// full receive buffer (per network namespace).
func udpRcvbufErrors() int {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0
	}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "Udp: ")
		if !ok {
			continue
		}
		if names == nil {
			names = strings.Fields(rest)
			continue
		}
		for i, v := range strings.Fields(rest) {
			if i < len(names) && names[i] == "RcvbufErrors" {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
	}
	return 0
}

// machineCPU is the CPU time all processes of the machine used since boot
// (the first line of /proc/stat less idle and iowait), in seconds.
func machineCPU() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var busy float64
	for i, x := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseFloat(x, 64)
		if i != 3 && i != 4 && i < 8 { // not idle, iowait, nor guest (counted in user)
			busy += v
		}
	}
	return busy / 100 // USER_HZ
}
