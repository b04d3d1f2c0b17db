package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"anpei/lecture"
	"anpei/live"
)

// liveSettings are the media node's settings (flags --live-*).
type liveSettings struct {
	// ICEServers are STUN/TURN URLs handed to browsers, comma-separated;
	// TURN entries take ICEUser/ICECredential.
	ICEServers    string
	ICEUser       string
	ICECredential string
	// UDPPort carries all media over one UDP port (0 = a port per peer).
	UDPPort int
	// PublicIPs are announced as the node's addresses behind a 1:1 NAT.
	PublicIPs string
	// TURNAddr runs the embedded TURN server on this address (UDP and
	// TCP, e.g. ":3478"); TURNSecret signs its time-limited credentials.
	TURNAddr   string
	TURNSecret string
	// Loopback keeps media on 127.0.0.1 (a browser on the same machine;
	// tests).
	Loopback bool
}

// config turns the settings into the media node's configuration.
func (l liveSettings) config(log *slog.Logger) (live.Config, error) {
	cfg := live.Config{UDPPort: l.UDPPort, LoopbackOnly: l.Loopback,
		Logf: func(format string, args ...any) { log.Debug(fmt.Sprintf(format, args...), "component", "live") }}
	if urls := splitList(l.ICEServers); len(urls) > 0 {
		for _, u := range urls {
			if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
				return live.Config{}, fmt.Errorf("--live-ice-servers: %q 不是 stun:、turn: 或 turns: 地址", u)
			}
		}
		cfg.ICEServers = []live.ICEServer{{URLs: urls, Username: l.ICEUser, Credential: l.ICECredential}}
	}
	for _, ip := range splitList(l.PublicIPs) {
		if net.ParseIP(ip) == nil {
			return live.Config{}, fmt.Errorf("--live-public-ips: %q 不是 IP 地址", ip)
		}
		cfg.NAT1To1IPs = append(cfg.NAT1To1IPs, ip)
	}
	if l.UDPPort < 0 || l.UDPPort > 65535 {
		return live.Config{}, fmt.Errorf("--live-udp-port: %d 不是有效端口", l.UDPPort)
	}
	if l.TURNAddr != "" {
		if l.TURNSecret == "" {
			return live.Config{}, fmt.Errorf("--live-turn-addr 需要同时设置 --live-turn-secret（用于签发临时凭据）")
		}
		relay := ""
		if len(cfg.NAT1To1IPs) > 0 {
			relay = cfg.NAT1To1IPs[0]
		}
		cfg.TURN = &live.TURNConfig{UDPAddr: l.TURNAddr, TCPAddr: l.TURNAddr, Secret: l.TURNSecret, RelayIP: relay}
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// sweepLectures ends the live sessions left running an hour past their
// planned end (crediting their viewers), and sends the in-app reminders of
// sessions starting within two hours; each happens once, however many
// servers sweep. startJobs runs it every minute on one node at a time.
func sweepLectures(ctx context.Context, ls *lecture.Store, log *slog.Logger) error {
	ended, err := ls.EndOverdue(ctx)
	if err != nil {
		return fmt.Errorf("end overdue live sessions: %w", err)
	}
	if ended > 0 {
		log.Info("ended overdue live sessions", "sessions", ended)
	}
	sent, err := ls.Remind(ctx, 0)
	if err != nil {
		return fmt.Errorf("live session reminders: %w", err)
	}
	if sent > 0 {
		log.Info("sent live session reminders", "notices", sent)
	}
	return nil
}
