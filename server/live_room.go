package server

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"anpei/account"
	"anpei/ident"
	"anpei/lecture"
	"anpei/live"
	"anpei/live/signal"
)

// The live rooms of this node. What must survive a restart or be shared
// by several nodes (status, muted chat, pinned message, bans, attendance,
// presence checks) is in the database, kept by package lecture; what is
// here is only who is connected to this process and their media.

// liveRooms holds the open rooms by session ID.
type liveRooms struct {
	s     *Server
	mu    sync.Mutex
	rooms map[uint]*liveRoom
	// sockets counts the open WebSocket handlers, so that closing waits
	// for them to record their viewers' departure.
	sockets sync.WaitGroup
}

// liveRoom is one session's connections on this node.
type liveRoom struct {
	h  *liveRooms
	id uint

	mu        sync.Mutex
	conns     map[*liveConn]struct{}
	trainer   *liveConn // the trainer's connection, if any
	publisher *live.Publisher
	media     *live.Room
	lastCheck uint // the newest presence check sent
	count     int  // the viewer count last sent
	ticks     int  // the clock's ticks (run's goroutine only)
	ended     bool
	ending    bool // the session ended: its recording becomes the replay
	done      chan struct{}
}

// The room's rhythm: how often it asks for due presence checks and sends
// counts and the trainer's viewer list, and every how many ticks it reads
// the session's status.
const (
	liveTick        = 2 * time.Second
	liveStatusEvery = 15
)

func newLiveRooms(s *Server) *liveRooms { return &liveRooms{s: s, rooms: make(map[uint]*liveRoom)} }

// room returns session id's room, opening it (and its media room) on
// first use.
func (h *liveRooms) room(id uint) (*liveRoom, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r, ok := h.rooms[id]; ok {
		return r, nil
	}
	r := &liveRoom{h: h, id: id, conns: make(map[*liveConn]struct{}), done: make(chan struct{})}
	if h.s.deps.Live != nil {
		m, err := h.s.deps.Live.Room(mediaRoomID(id))
		if err != nil {
			return nil, err
		}
		r.media = m
	}
	h.rooms[id] = r
	go r.run()
	return r, nil
}

func mediaRoomID(id uint) string { return "lecture-" + strconv.FormatUint(uint64(id), 10) }

// end tells everyone in session id's room that it is over, closes their
// connections and the media room.
func (h *liveRooms) end(id uint, why string) {
	h.mu.Lock()
	r := h.rooms[id]
	delete(h.rooms, id)
	h.mu.Unlock()
	if r != nil {
		r.close(why)
	}
}

// closeAll ends every room (shutdown) and waits, at most wait, for the
// sockets to finish.
func (h *liveRooms) closeAll(wait time.Duration) {
	h.mu.Lock()
	rooms := h.rooms
	h.rooms = make(map[uint]*liveRoom)
	h.mu.Unlock()
	for _, r := range rooms {
		r.close("shutdown")
	}
	done := make(chan struct{})
	go func() { h.sockets.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
	}
}

func (r *liveRoom) close(why string) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	r.ended = true
	close(r.done)
	conns := make([]*liveConn, 0, len(r.conns))
	for c := range r.conns {
		conns = append(conns, c)
	}
	r.mu.Unlock()
	// Ended or cancelled: the browsers are told and stop. A shutdown or an
	// idle room only closes the sockets: the browsers reconnect (to this
	// server once it is back, or to another).
	final := why == "ended" || why == "cancelled"
	r.ending = why == "ended"
	ended := mustEncode(signal.Message{Type: signal.TypeEnded})
	for _, c := range conns {
		go func() { // each viewer's attendance is one query: nobody waits for the others'
			if why == "ended" && c.seat.Role == lecture.RoleViewer {
				c.sendAttendance(context.Background())
			}
			if final {
				c.push(ended)
			}
			c.closeAfterFlush()
		}()
	}
	if r.media != nil {
		r.finishRecording()
		r.media.Close()
	}
}

// startRecording records the room's media into a new directory under the
// server's recordings directory (when set); a room already recording goes
// on.
func (r *liveRoom) startRecording() {
	dir := r.h.s.cfg.Recordings
	if dir == "" || r.media == nil {
		return
	}
	sub := filepath.Join(dir, "lecture-"+strconv.FormatUint(uint64(r.id), 10)+"-"+time.Now().UTC().Format("20060102T150405"))
	if err := r.media.Record(sub); err != nil && !errors.Is(err, live.ErrRecording) {
		r.h.s.logger.Error("live: start recording", "session", r.id, "err", err)
	}
}

// finishRecording closes the recording's files and stores where its
// manifest is on the session.
func (r *liveRoom) finishRecording() {
	path, err := r.media.StopRecording()
	if err != nil {
		r.h.s.logger.Error("live: finish recording", "session", r.id, "err", err)
		return
	}
	if path == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.h.s.deps.Lectures.SetRecording(ctx, r.id, path); err != nil {
		r.h.s.logger.Error("live: store the recording's place", "session", r.id, "err", err)
		return
	}
	if r.ending {
		r.h.s.replayLater(r.id, path)
	}
}

// run is the room's clock: due presence checks, the viewer count, the
// trainer's list. It stops when the room ends, or when nobody has been in
// it for a minute.
func (r *liveRoom) run() {
	t := time.NewTicker(liveTick)
	defer t.Stop()
	empty := 0
	for {
		select {
		case <-r.done:
			return
		case <-t.C:
		}
		r.mu.Lock()
		n := len(r.conns)
		r.mu.Unlock()
		if n == 0 {
			if empty++; empty*int(liveTick/time.Second) >= 60 {
				r.h.mu.Lock()
				if r.h.rooms[r.id] == r {
					delete(r.h.rooms, r.id)
				}
				r.h.mu.Unlock()
				r.close("idle")
				return
			}
			continue
		}
		empty = 0
		r.tick(context.Background())
	}
}

func (r *liveRoom) tick(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, liveTick)
	defer cancel()
	lec := r.h.s.deps.Lectures
	if checks, err := lec.DueChecks(ctx, r.id); err == nil {
		for _, c := range checks {
			r.sendCheck(c)
		}
	} else {
		r.h.s.logger.Warn("live: due presence checks", "session", r.id, "err", err)
	}
	r.mu.Lock()
	viewers := 0
	for c := range r.conns {
		if c.seat.Role == lecture.RoleViewer {
			viewers++
		}
	}
	changed := viewers != r.count
	r.count = viewers
	r.mu.Unlock()
	if changed {
		r.broadcast(mustEncode(signal.Message{Type: signal.TypeViewerCount, Data: &signal.Count{Count: viewers}}), nil)
	}
	for _, m := range r.managers() {
		m.sendViewerList(ctx)
	}
	// A session ended or cancelled elsewhere (the overdue sweep, another
	// node) ends here too.
	if r.ticks++; r.ticks%liveStatusEvery == 0 {
		if v, err := lec.Get(ctx, account.System(), r.id); err == nil && (v.Status == lecture.StatusEnded || v.Status == lecture.StatusCancelled) {
			why := "ended"
			if v.Status == lecture.StatusCancelled {
				why = "cancelled"
			}
			r.h.end(r.id, why)
		}
	}
}

// sendCheck sends presence check c to the viewers once.
func (r *liveRoom) sendCheck(c lecture.Check) {
	r.mu.Lock()
	if c.ID <= r.lastCheck {
		r.mu.Unlock()
		return
	}
	r.lastCheck = c.ID
	r.mu.Unlock()
	b := mustEncode(signal.Message{Type: signal.TypePresenceCheck, Data: &signal.PresenceChallenge{Check: uint64(c.ID), Deadline: c.Deadline.UnixMilli()}})
	r.broadcast(b, func(to *liveConn) bool { return to.seat.Role == lecture.RoleViewer })
}

// broadcast sends b to every connection of the room that want admits (nil:
// all).
func (r *liveRoom) broadcast(b []byte, want func(*liveConn) bool) {
	r.mu.Lock()
	conns := make([]*liveConn, 0, len(r.conns))
	for c := range r.conns {
		if want == nil || want(c) {
			conns = append(conns, c)
		}
	}
	r.mu.Unlock()
	for _, c := range conns {
		c.push(b)
	}
}

// broadcastMessage sends a chat message or question to those who may see
// it, each with the author's name as they may see it: the trainer and the
// author in full, other viewers masked. An unanswered question goes only
// to the trainer and its author.
func (r *liveRoom) broadcastMessage(from account.Principal, m lecture.MessageView) {
	r.mu.Lock()
	conns := make([]*liveConn, 0, len(r.conns))
	for c := range r.conns {
		conns = append(conns, c)
	}
	r.mu.Unlock()
	var full, masked []byte
	for _, c := range conns {
		mine := c.p.UserID == from.UserID && !m.Trainer
		trainer := c.seat.Role == lecture.RoleTrainer
		if m.Kind == lecture.KindQuestion && !m.Answered && !trainer && !mine {
			continue
		}
		if trainer || mine || m.Trainer {
			if full == nil {
				full = encodeChat(m, m.Author)
			}
			c.push(full)
			continue
		}
		if masked == nil {
			masked = encodeChat(m, ident.MaskName(m.Author))
		}
		c.push(masked)
	}
}

// broadcastPinned tells everyone the pinned message (none when pinned is
// false), the author's name masked as in chat: in full only to the
// trainer and for the trainer's own messages.
func (r *liveRoom) broadcastPinned(m *lecture.MessageView, pinned bool) {
	if m == nil || !pinned {
		r.broadcast(mustEncode(signal.Message{Type: signal.TypePinned, Data: &signal.PinnedMessage{}}), nil)
		return
	}
	full := mustEncode(signal.Message{Type: signal.TypePinned, Data: &signal.PinnedMessage{Message: chatOf(*m, m.Author)}})
	masked := full
	if !m.Trainer {
		masked = mustEncode(signal.Message{Type: signal.TypePinned, Data: &signal.PinnedMessage{Message: chatOf(*m, ident.MaskName(m.Author))}})
	}
	r.broadcast(full, func(to *liveConn) bool { return to.seat.Role == lecture.RoleTrainer })
	r.broadcast(masked, func(to *liveConn) bool { return to.seat.Role != lecture.RoleTrainer })
}

func encodeChat(m lecture.MessageView, author string) []byte {
	t := signal.TypeChat
	if m.Kind == lecture.KindQuestion {
		t = signal.TypeQuestion
	}
	return mustEncode(signal.Message{Type: t, Data: chatOf(m, author)})
}

func chatOf(m lecture.MessageView, author string) *signal.ChatMessage {
	return &signal.ChatMessage{ID: uint64(m.ID), Kind: string(m.Kind), Author: author, Trainer: m.Trainer, Text: m.Text,
		At: m.At.UnixMilli(), Answer: m.Answer, Answered: m.Answered}
}

// add puts c in the room. The first manager (the session's trainer, or
// the admin) to come is the presenter, whose browser publishes; a second
// connection of the presenter's own account replaces the first (the other
// tab is told and closed, and its publisher with it); another manager
// joins beside the presenter.
func (r *liveRoom) add(c *liveConn) bool {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return false
	}
	var old *liveConn
	var pub *live.Publisher
	if c.seat.Role == lecture.RoleTrainer {
		switch {
		case r.trainer == nil:
			r.trainer = c
		case r.trainer.p.UserID == c.p.UserID:
			old, r.trainer = r.trainer, c
			pub, r.publisher = r.publisher, nil
		}
	}
	r.conns[c] = struct{}{}
	r.mu.Unlock()
	if pub != nil {
		pub.Close()
	}
	if old != nil {
		old.push(signal.EncodeError(0, errTrainerElsewhere))
		old.closeAfterFlush()
	}
	return true
}

// remove takes c out of the room and releases its media.
func (r *liveRoom) remove(c *liveConn) {
	r.mu.Lock()
	if _, ok := r.conns[c]; !ok {
		r.mu.Unlock()
		return
	}
	delete(r.conns, c)
	var pub *live.Publisher
	if r.trainer == c {
		r.trainer = nil
		pub, r.publisher = r.publisher, nil
	}
	r.mu.Unlock()
	if pub != nil {
		pub.Close()
	}
	c.mu.Lock()
	v := c.viewer
	c.mu.Unlock()
	if v != nil && r.media != nil {
		_ = r.media.Leave(v.ID())
	}
}

// managers returns the room's connections of the trainer and the admin.
func (r *liveRoom) managers() []*liveConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*liveConn
	for c := range r.conns {
		if c.seat.Role == lecture.RoleTrainer {
			out = append(out, c)
		}
	}
	return out
}

// connsOf returns the room's connections whose connection IDs are ids.
func (r *liveRoom) connsOf(ids []string) []*liveConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*liveConn
	for c := range r.conns {
		for _, id := range ids {
			if c.seat.ConnID != "" && c.seat.ConnID == id {
				out = append(out, c)
			}
		}
	}
	return out
}

func mustEncode(m signal.Message) []byte {
	b, err := signal.Encode(m)
	if err != nil {
		return signal.EncodeError(m.ID, err)
	}
	return b
}
