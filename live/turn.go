package live

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pion/turn/v2"
)

// TURNConfig configures the embedded TURN server (RFC 5766, with TURN over
// TCP for networks that block UDP). Credentials are long-term: fixed users,
// or time-limited ones derived from a shared secret (the "TURN REST API"
// scheme coturn calls use-auth-secret), or both.
type TURNConfig struct {
	// Realm of the long-term credentials (default "anpei").
	Realm string
	// UDPAddr and TCPAddr are the listen addresses (e.g. ":3478"); at least
	// one must be set. Port 0 picks a free port (see Node.TURNAddrs).
	UDPAddr string
	TCPAddr string
	// RelayIP is the address announced for relayed transports, the
	// server's public IP (default 127.0.0.1 with LoopbackOnly).
	RelayIP string
	// PublicHost is the host put into the turn: URLs handed to clients
	// (default RelayIP).
	PublicHost string
	// Users are static username → password pairs.
	Users map[string]string
	// Secret enables time-limited credentials: the username is
	// "<unix expiry>:<user>" and the password base64(HMAC-SHA1(Secret, username)).
	Secret string
	// CredentialTTL is how long credentials from ClientICEServers last
	// (default 12 h).
	CredentialTTL time.Duration
}

// TURNCredentials derives time-limited TURN credentials for user from the
// shared secret, valid until now+ttl.
func TURNCredentials(secret, user string, ttl time.Duration, now time.Time) (username, password string) {
	username = strconv.FormatInt(now.Add(ttl).Unix(), 10)
	if user != "" {
		username += ":" + user
	}
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

type turnServer struct {
	cfg      TURNConfig
	srv      *turn.Server
	udp, tcp net.Addr
}

func startTURN(c TURNConfig, loopback bool) (*turnServer, error) {
	if c.Realm == "" {
		c.Realm = "anpei"
	}
	if c.CredentialTTL <= 0 {
		c.CredentialTTL = 12 * time.Hour
	}
	if c.RelayIP == "" && loopback {
		c.RelayIP = "127.0.0.1"
	}
	relayIP := net.ParseIP(c.RelayIP)
	if relayIP == nil {
		return nil, fmt.Errorf("live: turn: relay ip %q is not an IP address", c.RelayIP)
	}
	if c.UDPAddr == "" && c.TCPAddr == "" {
		return nil, fmt.Errorf("live: turn: no listen address")
	}
	if c.PublicHost == "" {
		c.PublicHost = c.RelayIP
	}
	bind := "0.0.0.0"
	if loopback {
		bind = "127.0.0.1"
	}
	gen := func() turn.RelayAddressGenerator {
		return &turn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: bind}
	}
	ts := &turnServer{cfg: c}
	sc := turn.ServerConfig{Realm: c.Realm, AuthHandler: ts.auth}
	if c.UDPAddr != "" {
		pc, err := net.ListenPacket("udp4", c.UDPAddr)
		if err != nil {
			return nil, fmt.Errorf("live: turn udp: %w", err)
		}
		ts.udp = pc.LocalAddr()
		sc.PacketConnConfigs = append(sc.PacketConnConfigs, turn.PacketConnConfig{PacketConn: pc, RelayAddressGenerator: gen()})
	}
	if c.TCPAddr != "" {
		l, err := net.Listen("tcp4", c.TCPAddr)
		if err != nil {
			for _, p := range sc.PacketConnConfigs {
				p.PacketConn.Close()
			}
			return nil, fmt.Errorf("live: turn tcp: %w", err)
		}
		ts.tcp = l.Addr()
		sc.ListenerConfigs = append(sc.ListenerConfigs, turn.ListenerConfig{Listener: l, RelayAddressGenerator: gen()})
	}
	srv, err := turn.NewServer(sc)
	if err != nil {
		return nil, fmt.Errorf("live: turn: %w", err)
	}
	ts.srv = srv
	return ts, nil
}

// auth returns the long-term key of a user: a static user, or a
// time-limited username that has not expired.
func (t *turnServer) auth(username, realm string, _ net.Addr) ([]byte, bool) {
	if pw, ok := t.cfg.Users[username]; ok {
		return turn.GenerateAuthKey(username, realm, pw), true
	}
	if t.cfg.Secret == "" {
		return nil, false
	}
	exp, _, _ := strings.Cut(username, ":")
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || time.Now().Unix() > unix {
		return nil, false
	}
	mac := hmac.New(sha1.New, []byte(t.cfg.Secret))
	mac.Write([]byte(username))
	return turn.GenerateAuthKey(username, realm, base64.StdEncoding.EncodeToString(mac.Sum(nil))), true
}

// clientServers returns the turn: URLs of the embedded server with
// credentials for user: time-limited when a secret is configured, else the
// first static user's.
func (t *turnServer) clientServers(user string) []ICEServer {
	var urls []string
	host := t.cfg.PublicHost
	if t.udp != nil {
		urls = append(urls, fmt.Sprintf("turn:%s?transport=udp", net.JoinHostPort(host, port(t.udp))))
	}
	if t.tcp != nil {
		urls = append(urls, fmt.Sprintf("turn:%s?transport=tcp", net.JoinHostPort(host, port(t.tcp))))
	}
	var name, pw string
	switch {
	case t.cfg.Secret != "":
		name, pw = TURNCredentials(t.cfg.Secret, user, t.cfg.CredentialTTL, time.Now())
	default:
		for u, p := range t.cfg.Users {
			if name == "" || u < name { // deterministic choice
				name, pw = u, p
			}
		}
	}
	if name == "" {
		return nil
	}
	return []ICEServer{{URLs: urls, Username: name, Credential: pw}}
}

func port(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}
