// Package live is the media core of live lectures: a selective forwarding
// unit (SFU) on pion/webrtc v3. One trainer publishes camera and
// microphone, and at will a screen share; any number of learners receive.
// No pion type appears in this package's API, so moving to pion v4 changes
// this package only.
//
// # API
//
//	node, err := live.NewNode(live.Config{...})   // one per process, in main
//	room, err := node.Room(sessionID)              // created on first use
//
//	// Trainer: the browser offers, the node answers. A later Publish on the
//	// same room is a reconnect; Renegotiate adds or removes the screen share.
//	pub, answer, err := room.Publish(ctx, offerSDP, live.PeerOptions{OnCandidate: ..., OnEvent: ...})
//	answer, err = pub.Renegotiate(ctx, offerSDP)
//	err = pub.AddICECandidate(c)
//
//	// Learner: the node offers (three receive-only tracks: audio, camera,
//	// screen), the browser answers.
//	v, offer, err := room.Join(ctx, viewerID, live.PeerOptions{OnCandidate: ..., OnEvent: ...})
//	err = v.Answer(answerSDP)
//	err = v.AddICECandidate(c)
//	err = room.Leave(viewerID)
//
//	room.Stats(); v.Stats(); node.Stats()          // metrics
//	node.ClientICEServers(user)                    // STUN/TURN list for a browser
//	room.Close(); node.Close()
//
// Events (PeerOptions.OnEvent) tell the attendance layer what happened to a
// viewer: EventConnected, EventReceiving (the viewer's RTCP receiver reports
// show packets arriving: media actually reaches it), EventStalled (no
// progress in its reports for Config.ReceiveTimeout), EventDisconnected with
// a reason ("left", "closed", "replaced", "failed", "slow").
//
// Without OnCandidate, Publish and Join wait for ICE gathering and return an
// SDP carrying every candidate; with it, candidates trickle.
//
// # Fan-out
//
// Each published track (and each simulcast layer of it) has one packet
// cache shared by all viewers: a ring of recent RTP packets by sequence
// number, which also knows where the last key frame starts (VP8 payload
// descriptor and header; H.264 SPS/IDR). Viewers' NACKs are answered from
// it, so retransmissions never reach the publisher. A viewer that connects
// gets the cached packets since the last key frame at once (paced over a few
// milliseconds) instead of a key frame request to the trainer; requests that
// do go to the publisher (a viewer's PLI/FIR, a simulcast switch, an empty
// cache) are limited to one per Config.KeyframeInterval per layer.
//
// Every viewer has its own outgoing tracks (a webrtc.TrackLocal
// implementation, not a TrackLocalStaticRTP shared by all) with a fixed SSRC
// and its own sequence-number and timestamp space: a publisher reconnect or
// a layer switch continues them with an offset, so viewers notice nothing.
// The three tracks exist from the join on, so a screen share that starts or
// stops, or a new publisher, never renegotiates viewers, and a join never
// touches other viewers.
//
// The reader of a published track only appends packet references to each
// subscribed viewer's bounded queue. A small pool of writer goroutines
// (Config.Workers, GOMAXPROCS by default) drains the queues, one viewer at a
// time per worker. A viewer whose queue is full loses packets instead of
// delaying others, and one whose queue overflows for Config.SlowViewerTimeout
// is removed ("slow").
//
// Simulcast offers (rid-based layers) are accepted; each viewer gets the
// best layer its bandwidth allows: the REMB estimate its receiver sends,
// capped below the current layer for a while when its receiver reports show
// more than 10 % loss. Switches happen on key frames of the new layer.
//
// Viewers' peer connections use only pion's sender-report interceptor; NACK
// handling is the cache's. Publishers get pion's default interceptors (NACK
// toward the publisher, receiver reports, TWCC feedback for the browser's
// congestion control).
//
// # Networking
//
// Config carries the ICE servers (STUN/TURN with credentials) for browsers,
// an optional single UDP port for all media (ICE UDP mux), 1:1 NAT
// addresses, a loopback-only mode for tests and same-machine browsers, and
// an optional embedded TURN server (UDP and TCP listeners; static users or
// time-limited credentials derived from a shared secret, see
// TURNCredentials).
//
// A join costs the viewer's signaling round trips, then two ICE round trips
// (the node is the controlling agent and nominates the first pair that
// works, reflexive ones included, without pion's waits), two DTLS round trips
// (the node is the DTLS server and skips the HelloVerifyRequest cookie, which
// ICE makes redundant; one certificate serves all its connections), and
// the media follows the node's last handshake flight at once.
//
// # Limits
//
// There is no ICE restart: a viewer whose phone changed networks joins
// again under its ID, which replaces the old connection. RTX is not
// negotiated (retransmissions use the original SSRC). A viewer that cannot
// decode the publisher's codec gets nothing on that track. Room state lives
// in one Node; spreading rooms over several nodes is the caller's choice of
// node per room.
//
// The load tool in bench/livebench measures a node against the naive pion
// fan-out.
package live
