package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"

	"anpei/account"
	"anpei/fault"
	"anpei/lecture"
	"anpei/live"
	"anpei/live/signal"
)

var (
	errJoinFirst          = fault.New(fault.Invalid, "live_join_first", "请先加入直播间（join）")
	errJoinedAlready      = fault.New(fault.Conflict, "live_joined", "已经加入直播间")
	errNotViewerMsg       = fault.New(fault.Invalid, "live_not_for_viewer", "观众不能发送此消息")
	errNotTrainerMsg      = fault.New(fault.Invalid, "live_not_for_trainer", "讲师不能发送此消息")
	errNoLiveMedia        = fault.New(fault.Unprocessable, "live_no_media", "本服务器未启用直播音视频")
	errNoPublisher        = fault.New(fault.Conflict, "live_no_publisher", "讲师尚未开始推流")
	errTrainerElsewhere   = fault.New(fault.Conflict, "live_trainer_elsewhere", "您在另一个窗口打开了直播间，本窗口已断开")
	errTextFrames         = fault.New(fault.Unsupported, "live_text_only", "只接受文本消息")
	errNotConnected       = fault.New(fault.Conflict, "live_not_connected", "直播连接尚未建立，请稍候")
	errRoomUnavailable    = fault.New(fault.Conflict, "live_room_unavailable", "直播间暂时无法进入，请稍后重试")
	errPresenterElsewhere = fault.New(fault.Conflict, "live_presenter_elsewhere", "另一位主讲人正在这个直播间推流")
)

// Limits of one room connection.
const (
	liveReadLimit = 1 << 20 // beyond it the socket closes with 1009; below it signal.Decode answers ErrTooLarge
	liveSendQueue = 256     // messages waiting for a slow socket before it is dropped
	liveWriteWait = 10 * time.Second
	livePing      = 25 * time.Second
)

// liveConn is one browser's WebSocket in a room.
type liveConn struct {
	s    *Server
	room *liveRoom
	ws   *websocket.Conn
	p    account.Principal
	seat lecture.Seat // set by join

	send   chan []byte
	events chan live.Event
	quit   chan struct{}
	once   sync.Once
	flush  sync.Once

	mu     sync.Mutex
	viewer *live.Viewer
	hand   bool
}

// liveSocket is GET /api/v1/live/{id}/ws: whoever may join the session's
// room (lecture.CanJoin, answered as a plain HTTP error before the
// upgrade) opens the signaling socket. The Origin must be this host.
func (s *Server) liveSocket(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := principal(c)
	if _, err := s.deps.Lectures.CanJoin(c.Request.Context(), p, id); err != nil {
		s.fail(c, err)
		return
	}
	s.liveRooms.sockets.Add(1)
	defer s.liveRooms.sockets.Done()
	ws, err := websocket.Accept(c.Writer, c.Request, nil) // refuses another Origin with 403
	if err != nil {
		return
	}
	ws.SetReadLimit(liveReadLimit)
	conn := &liveConn{s: s, ws: ws, p: p, send: make(chan []byte, liveSendQueue), events: make(chan live.Event, 32), quit: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go conn.writeLoop(ctx)
	go conn.eventLoop(ctx, id)
	conn.readLoop(ctx, id)
	conn.shutdown(ctx, websocket.StatusNormalClosure, "")
}

// push queues b for the browser; a connection too slow to take it is
// closed rather than allowed to hold the room up.
func (c *liveConn) push(b []byte) {
	select {
	case <-c.quit:
	case c.send <- b:
	default:
		c.once.Do(func() { close(c.quit) })
	}
}

// closeAfterFlush closes the connection once what is queued before it is
// written: a nil in the queue tells the writer to close.
func (c *liveConn) closeAfterFlush() {
	c.flush.Do(func() { c.push(nil) })
}

func (c *liveConn) writeLoop(ctx context.Context) {
	ping := time.NewTicker(livePing)
	defer ping.Stop()
	for {
		select {
		case <-c.quit:
			c.ws.Close(websocket.StatusPolicyViolation, "closed")
			return
		case <-ctx.Done():
			return
		case b := <-c.send:
			if b == nil {
				c.ws.Close(websocket.StatusNormalClosure, "")
				c.once.Do(func() { close(c.quit) })
				return
			}
			wctx, cancel := context.WithTimeout(ctx, liveWriteWait)
			err := c.ws.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				c.once.Do(func() { close(c.quit) })
				return
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, liveWriteWait)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				c.once.Do(func() { close(c.quit) })
				return
			}
		}
	}
}

// eventLoop records what the media core saw of this viewer: media
// reaching them or stalling.
func (c *liveConn) eventLoop(ctx context.Context, id uint) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-c.events:
			var err error
			switch e.Kind {
			case live.EventReceiving:
				err = c.s.deps.Lectures.MediaStarted(ctx, id, c.seat.ConnID)
			case live.EventStalled, live.EventDisconnected:
				err = c.s.deps.Lectures.MediaStopped(ctx, id, c.seat.ConnID)
			}
			if err != nil && !errors.Is(err, lecture.ErrConnNotFound) {
				c.s.logger.Warn("live: media event", "session", id, "event", e.Kind.String(), "err", err)
			}
		}
	}
}

func (c *liveConn) readLoop(ctx context.Context, id uint) {
	go func() {
		select {
		case <-c.quit:
			c.ws.CloseNow()
		case <-ctx.Done():
		}
	}()
	for {
		typ, b, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			c.push(signal.EncodeError(0, errTextFrames))
			continue
		}
		m, err := signal.Decode(b)
		if err != nil {
			c.push(signal.EncodeError(0, err))
			continue
		}
		hctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err = c.handle(hctx, id, m)
		cancel()
		if err != nil {
			c.push(signal.EncodeError(m.ID, err))
			if fault.As(err).Code == lecture.ErrRemoved.Code {
				c.closeAfterFlush()
			}
		}
	}
}

// shutdown leaves the room: the media is released and the connection's
// end recorded.
func (c *liveConn) shutdown(ctx context.Context, code websocket.StatusCode, why string) {
	c.once.Do(func() { close(c.quit) })
	if c.room == nil {
		return
	}
	c.room.remove(c)
	if c.seat.ConnID != "" {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := c.s.deps.Lectures.Disconnected(dctx, c.room.id, c.seat.ConnID); err != nil && !errors.Is(err, lecture.ErrConnNotFound) {
			c.s.logger.Warn("live: record disconnect", "session", c.room.id, "err", err)
		}
	}
	_ = c.ws.Close(code, why)
}

// handle runs one message of the protocol.
func (c *liveConn) handle(ctx context.Context, id uint, m signal.Message) error {
	if m.Type.TrainerOnly() && (c.room == nil || c.seat.Role != lecture.RoleTrainer) {
		if c.room == nil {
			return errJoinFirst
		}
		return signal.ErrNotTrainer
	}
	if m.Type != signal.TypeJoin && c.room == nil {
		return errJoinFirst
	}
	lec := c.s.deps.Lectures
	switch d := m.Data.(type) {
	case *signal.Join:
		if m.Type != signal.TypeJoin {
			break
		}
		return c.join(ctx, id, d.Device)
	case *signal.SDP:
		if m.Type == signal.TypeOffer {
			return c.publish(ctx, m.ID, d.SDP)
		}
		c.mu.Lock()
		v := c.viewer
		c.mu.Unlock()
		if v == nil {
			return errNotConnected
		}
		return v.Answer(d.SDP)
	case *signal.Candidate:
		cand := live.ICECandidate{Candidate: d.Candidate, SDPMid: d.SDPMid, SDPMLineIndex: d.SDPMLineIndex, UsernameFragment: d.UsernameFragment}
		if c.seat.Role == lecture.RoleTrainer {
			c.room.mu.Lock()
			pub := c.room.publisher
			c.room.mu.Unlock()
			if pub == nil {
				return errNoPublisher
			}
			return pub.AddICECandidate(cand)
		}
		c.mu.Lock()
		v := c.viewer
		c.mu.Unlock()
		if v == nil {
			return errNotConnected
		}
		return v.AddICECandidate(cand)
	case *signal.Text:
		kind := lecture.KindChat
		if m.Type == signal.TypeQuestion {
			kind = lecture.KindQuestion
		}
		mv, err := lec.Post(ctx, c.p, id, kind, d.Text)
		if err != nil {
			return err
		}
		c.room.broadcastMessage(c.p, mv)
	case *signal.Hand:
		if c.seat.Role != lecture.RoleViewer {
			return errNotTrainerMsg
		}
		c.mu.Lock()
		c.hand = d.Up
		c.mu.Unlock()
		hand := mustEncode(signal.Message{Type: signal.TypeHandRaised, Data: &signal.HandUp{Person: uint64(c.seat.PersonID), Name: c.seat.Name, Up: d.Up}})
		for _, m := range c.room.managers() {
			m.push(hand)
		}
	case *signal.PresenceReply:
		if c.seat.Role != lecture.RoleViewer {
			return errNotTrainerMsg
		}
		return lec.AnswerCheck(ctx, c.p, id, uint(d.Check))
	case *signal.Reply:
		mv, err := lec.AnswerQuestion(ctx, c.p, id, uint(d.Message), d.Text)
		if err != nil {
			return err
		}
		c.room.broadcastMessage(c.p, mv)
	case *signal.PinRequest:
		mv, err := lec.Pin(ctx, c.p, id, uint(d.Message), d.Pinned)
		if err != nil {
			return err
		}
		c.room.broadcastPinned(mv, d.Pinned)
	case *signal.Switch:
		if m.Type == signal.TypeMuteChat {
			if err := lec.MuteChat(ctx, c.p, id, d.On); err != nil {
				return err
			}
			c.room.broadcast(mustEncode(signal.Message{Type: signal.TypeChatMuted, Data: &signal.Switch{On: d.On}}), nil)
			return nil
		}
		c.room.broadcast(mustEncode(signal.Message{Type: signal.TypeScreenShare, Data: &signal.Switch{On: d.On}}),
			func(to *liveConn) bool { return to.seat.Role == lecture.RoleViewer })
	case *signal.Removal:
		ids, err := lec.RemoveViewer(ctx, c.p, id, uint(d.Person), d.Reason)
		if err != nil {
			return err
		}
		gone := mustEncode(signal.Message{Type: signal.TypeRemoved, Data: &signal.Removal{Person: d.Person, Reason: d.Reason}})
		for _, v := range c.room.connsOf(ids) {
			v.push(gone)
			v.closeAfterFlush()
		}
	case *signal.Empty:
		switch m.Type {
		case signal.TypePresenceCheck:
			chk, err := lec.TriggerCheck(ctx, c.p, id)
			if err != nil {
				return err
			}
			c.room.sendCheck(chk)
		case signal.TypeEnd:
			if _, err := lec.End(ctx, c.p, id); err != nil {
				return err
			}
			c.s.liveRooms.end(id, "ended")
		}
	}
	return nil
}

// join enters the room: the viewer's connection is recorded (capacity,
// bans and the audience checked again under the session's lock), the
// room's state sent, and a viewer's receive-only peer connection offered.
func (c *liveConn) join(ctx context.Context, id uint, device string) error {
	if c.room != nil {
		return errJoinedAlready
	}
	lec := c.s.deps.Lectures
	seat, err := lec.Connect(ctx, c.p, id, device)
	if err != nil {
		return err
	}
	c.seat = seat
	added := false
	for range 2 { // a room closing just now (idle) is opened again
		room, err := c.s.liveRooms.room(id)
		if err != nil {
			break
		}
		c.room = room
		if added = room.add(c); added {
			break
		}
	}
	if !added {
		c.room = nil
		if seat.ConnID != "" {
			_ = lec.Disconnected(ctx, id, seat.ConnID)
		}
		return errRoomUnavailable
	}
	room := c.room
	st, err := lec.Room(ctx, c.p, id)
	if err != nil {
		return err
	}
	c.push(mustEncode(signal.Message{Type: signal.TypeWelcome, Data: &signal.Welcome{Session: uint64(id), Role: seat.Role, Conn: seat.ConnID, Status: string(st.Status), ChatMuted: st.ChatMuted}}))
	if msgs, err := lec.Recent(ctx, c.p, id, 50); err == nil {
		for _, mv := range msgs {
			t := signal.TypeChat
			if mv.Kind == lecture.KindQuestion {
				t = signal.TypeQuestion
			}
			c.push(mustEncode(signal.Message{Type: t, Data: chatOf(mv, mv.Author)}))
		}
	}
	if st.Pinned != nil {
		c.push(mustEncode(signal.Message{Type: signal.TypePinned, Data: &signal.PinnedMessage{Message: chatOf(*st.Pinned, st.Pinned.Author)}}))
	}
	c.push(mustEncode(signal.Message{Type: signal.TypeViewerCount, Data: &signal.Count{Count: st.Viewers}}))
	if seat.Role == lecture.RoleTrainer {
		c.sendViewerList(ctx)
		return nil
	}
	if chk, open, err := lec.OpenCheck(ctx, id); err == nil && open {
		c.push(mustEncode(signal.Message{Type: signal.TypePresenceCheck, Data: &signal.PresenceChallenge{Check: uint64(chk.ID), Deadline: chk.Deadline.UnixMilli()}}))
	}
	if room.media == nil {
		return errNoLiveMedia
	}
	v, offer, err := room.media.Join(ctx, seat.ConnID, live.PeerOptions{OnCandidate: c.trickle, OnEvent: c.event})
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.viewer = v
	c.mu.Unlock()
	c.push(mustEncode(signal.Message{Type: signal.TypeOffer, Data: &signal.SDP{SDP: offer}}))
	return nil
}

// publish takes the trainer's offer: the first one starts the session
// (scheduled → live) and the publisher; later ones renegotiate it (a
// screen share added or removed).
func (c *liveConn) publish(ctx context.Context, msgID uint64, offer string) error {
	if c.seat.Role != lecture.RoleTrainer {
		return errNotViewerMsg
	}
	if c.room.media == nil {
		return errNoLiveMedia
	}
	if c.seat.Status == lecture.StatusScheduled {
		if _, err := c.s.deps.Lectures.Start(ctx, c.p, c.room.id); err != nil && !errors.Is(err, lecture.ErrWrongStatus) {
			return err
		}
		c.seat.Status = lecture.StatusLive
	}
	c.room.mu.Lock()
	switch {
	case c.room.trainer == nil:
		c.room.trainer = c
	case c.room.trainer != c:
		c.room.mu.Unlock()
		return errPresenterElsewhere
	}
	pub := c.room.publisher
	c.room.mu.Unlock()
	var answer string
	var err error
	if pub != nil {
		answer, err = pub.Renegotiate(ctx, offer)
	} else {
		pub, answer, err = c.room.media.Publish(ctx, offer, live.PeerOptions{OnCandidate: c.trickle})
		if err == nil {
			c.room.mu.Lock()
			c.room.publisher = pub
			c.room.mu.Unlock()
			c.room.startRecording()
		}
	}
	if err != nil {
		return err
	}
	c.push(mustEncode(signal.Message{Type: signal.TypeAnswer, ID: msgID, Data: &signal.SDP{SDP: answer}}))
	return nil
}

// trickle sends one of the server's ICE candidates to the browser.
func (c *liveConn) trickle(cand live.ICECandidate) {
	c.push(mustEncode(signal.Message{Type: signal.TypeICE, Data: &signal.Candidate{Candidate: cand.Candidate, SDPMid: cand.SDPMid,
		SDPMLineIndex: cand.SDPMLineIndex, UsernameFragment: cand.UsernameFragment}}))
}

// event hands a media event to the connection's event loop; it never
// blocks the media core (a full queue drops the event: the next one says
// the same).
func (c *liveConn) event(e live.Event) {
	select {
	case c.events <- e:
	default:
	}
}

// sendViewerList sends the trainer who is in the room, hands included.
func (c *liveConn) sendViewerList(ctx context.Context) {
	vs, err := c.s.deps.Lectures.Viewers(ctx, c.p, c.room.id)
	if err != nil {
		return
	}
	hands := map[uint]bool{}
	c.room.mu.Lock()
	for v := range c.room.conns {
		v.mu.Lock()
		if v.hand {
			hands[v.seat.PersonID] = true
		}
		v.mu.Unlock()
	}
	c.room.mu.Unlock()
	list := signal.Viewers{Viewers: make([]signal.Viewer, 0, len(vs))}
	for _, v := range vs {
		list.Viewers = append(list.Viewers, signal.Viewer{Person: uint64(v.PersonID), Name: v.Name, Receiving: v.Receiving, HandUp: hands[v.PersonID], Devices: v.Devices})
	}
	c.push(mustEncode(signal.Message{Type: signal.TypeViewerList, Data: &list}))
}

// sendAttendance tells a viewer what the session credited them.
func (c *liveConn) sendAttendance(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	a, err := c.s.deps.Lectures.MyAttendance(ctx, c.p, c.room.id)
	if err != nil {
		return
	}
	c.push(mustEncode(signal.Message{Type: signal.TypeAttendance, Data: &signal.Minutes{Credited: a.CreditedMinutes,
		Receiving: int(a.ReceivingMS / 60000), Missed: a.MissedChecks, Final: a.Final}}))
}
