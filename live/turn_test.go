package live

import (
	"testing"
	"time"

	"github.com/pion/turn/v2"
	"github.com/pion/webrtc/v3"
)

func turnKey(user, pass string) []byte { return turn.GenerateAuthKey(user, "anpei", pass) }

// A viewer allowed only relayed candidates, reaching the node through the
// embedded TURN server over TCP with time-limited credentials, receives media.
func TestViewerThroughEmbeddedTURNOverTCP(t *testing.T) {
	n := newTestNode(t, Config{TURN: &TURNConfig{TCPAddr: "127.0.0.1:0", UDPAddr: "127.0.0.1:0", Secret: "s3cret"}})
	room, _ := n.Room("r")
	startPublisher(t, room, 'A', 30, 1)
	servers := onlyTCP(n.ClientICEServers("learner"))
	if len(servers) != 1 {
		t.Fatalf("client ICE servers = %+v, want the embedded TURN over TCP", n.ClientICEServers("learner"))
	}
	tv := joinViewer(t, room, "relayed", nil, webrtc.Configuration{ICEServers: servers, ICETransportPolicy: webrtc.ICETransportPolicyRelay})
	waitFor(t, 15*time.Second, "video through TURN", func() bool { v, _ := tv.counts(); return v > 30 })
	pair, err := tv.pc.GetTransceivers()[0].Receiver().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		t.Fatalf("selected pair: %v %v", pair, err)
	}
	if pair.Local.Typ != webrtc.ICECandidateTypeRelay {
		t.Errorf("viewer's local candidate is %s, want relay", pair.Local.Typ)
	}
	if got := n.turn.srv.AllocationCount(); got < 1 {
		t.Errorf("TURN allocations = %d, want at least 1", got)
	}
}

func TestTURNAuth(t *testing.T) {
	ts := &turnServer{cfg: TURNConfig{Realm: "anpei", Users: map[string]string{"site": "pw"}, Secret: "k"}}
	now := time.Now()
	user, pass := TURNCredentials("k", "learner", time.Hour, now)
	expired, expiredPass := TURNCredentials("k", "learner", -time.Minute, now)
	tests := []struct {
		name, user, pass string
		ok               bool
	}{
		{"static user", "site", "pw", true},
		{"time-limited", user, pass, true},
		{"expired", expired, expiredPass, false},
		{"forged expiry", "9999999999:learner", pass, true}, // key derivation differs: see below
		{"not a number", "learner", "x", false},
	}
	for _, tc := range tests {
		key, ok := ts.auth(tc.user, "anpei", nil)
		if ok != tc.ok {
			t.Errorf("%s: ok = %v, want %v", tc.name, ok, tc.ok)
		}
		// A forged username yields a key that does not match the password
		// the client holds, so the server's integrity check fails.
		if tc.name == "forged expiry" && string(key) == string(turnKey(tc.user, tc.pass)) {
			t.Errorf("forged username accepted with the old password")
		}
		if ok && tc.name != "forged expiry" && string(key) != string(turnKey(tc.user, tc.pass)) {
			t.Errorf("%s: key does not match the password", tc.name)
		}
	}
}
