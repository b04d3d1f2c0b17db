// Package signal is the live lecture's signaling protocol over the
// WebSocket: small versioned JSON messages in one envelope,
//
//	{"v":1,"type":"chat","id":7,"data":{"text":"老师好"}}
//
// Decode reads what a browser sends (join, SDP offer/answer, ICE
// candidates, chat, questions, raised hands, presence answers and the
// trainer's commands) and DecodeServer what the server sends back. Both
// refuse, with a *fault.Error carrying a code and a Chinese message, an
// oversized message, malformed JSON, an unknown field, version or type, a
// payload of the wrong shape or a text over its limit; neither panics on
// any input (FuzzDecode). Encode writes a message and checks it the same
// way, so what one side writes the other side reads.
//
// The package knows nothing of pion or of the database: the WebSocket
// handler decodes, checks the sender's role (Type.TrainerOnly), and calls
// the lecture store and the media core.
package signal

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"anpei/fault"
)

// Version is the protocol version this package speaks.
const Version = 1

// MaxMessage is the largest message accepted, in bytes. An SDP offer with
// simulcast is around 10 KB.
const MaxMessage = 64 << 10

// Limits of the fields, in characters (bytes for SDP and ICE).
const (
	MaxSDP       = 48 << 10
	MaxCandidate = 1024
	MaxText      = 500
	MaxDevice    = 64
	MaxReason    = 200
	MaxMID       = 64
)

// Type names what a message is.
type Type string

// Messages a browser sends.
const (
	TypeJoin           Type = "join"            // Join: enter the room
	TypeOffer          Type = "offer"           // SDP: the browser's offer (trainer publishing, or renegotiation)
	TypeAnswer         Type = "answer"          // SDP: the browser's answer to the server's offer
	TypeICE            Type = "ice"             // Candidate: a trickled ICE candidate (both directions)
	TypeChat           Type = "chat"            // Text: a chat message (both directions: ChatMessage from the server)
	TypeQuestion       Type = "question"        // Text: a question to the trainer (both directions)
	TypeRaiseHand      Type = "raise_hand"      // Hand: raise or lower the hand
	TypePresenceAnswer Type = "presence_answer" // PresenceReply: answer a presence check (签到)
	// Trainer only.
	TypeAnswerQuestion Type = "answer_question" // Reply: answer a question
	TypePin            Type = "pin"             // PinRequest: pin or unpin a message
	TypeMuteChat       Type = "mute_chat"       // Switch: mute or open the chat
	TypeRemoveViewer   Type = "remove_viewer"   // Removal: remove a viewer from the session
	TypePresenceCheck  Type = "presence_check"  // empty from the trainer; PresenceChallenge from the server
	TypeScreenShare    Type = "screen_share"    // Switch: screen share on or off
	TypeEnd            Type = "end"             // empty: end the session
)

// Messages the server sends (besides Answer, Offer, ICE, ChatSend,
// QuestionSend and PresenceCheck above).
const (
	TypeWelcome     Type = "welcome"      // Welcome
	TypePinned      Type = "pinned"       // PinnedMessage
	TypeViewerCount Type = "viewer_count" // Count
	TypeViewerList  Type = "viewer_list"  // Viewers, to the trainer only
	TypeError       Type = "error"        // ErrorData
	TypeRemoved     Type = "removed"      // Removal
	TypeEnded       Type = "ended"        // empty
	TypeHandRaised  Type = "hand_raised"  // HandUp, to the trainer only
	TypeChatMuted   Type = "chat_muted"   // Switch: the trainer muted (On) or opened the chat
	TypeAttendance  Type = "attendance"   // Minutes: the viewer's own credited minutes
)

// TrainerOnly reports whether only the session's trainer may send t; the
// handler answers anyone else with ErrNotTrainer.
func (t Type) TrainerOnly() bool {
	switch t {
	case TypeAnswerQuestion, TypePin, TypeMuteChat, TypeRemoveViewer, TypePresenceCheck, TypeScreenShare, TypeEnd:
		return true
	}
	return false
}

// The payloads. A field marked required must be present; strings are
// checked for length and emptiness by Decode and Encode.

// Join opens the room for this WebSocket. Device is an identifier the
// browser keeps per device (localStorage), so that a reconnect from the
// same phone is told from a second device.
type Join struct {
	Device string `json:"device"`
}

// SDP is a session description.
type SDP struct {
	SDP string `json:"sdp"`
}

// Candidate is an ICE candidate as RTCIceCandidateInit has it; an empty
// Candidate ends the candidates.
type Candidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// Text is a chat message or a question a viewer sends.
type Text struct {
	Text string `json:"text"`
}

// Hand raises (Up) or lowers the viewer's hand.
type Hand struct {
	Up bool `json:"up"`
}

// PresenceReply answers presence check Check.
type PresenceReply struct {
	Check uint64 `json:"check"`
}

// Reply is the trainer's answer to question Message.
type Reply struct {
	Message uint64 `json:"message"`
	Text    string `json:"text"`
}

// PinRequest pins message Message, or unpins it when Pinned is false.
type PinRequest struct {
	Message uint64 `json:"message"`
	Pinned  bool   `json:"pinned"`
}

// Switch turns something on or off (chat muted, screen share).
type Switch struct {
	On bool `json:"on"`
}

// Removal names the viewer the trainer removes (Person) and why; the
// removed viewer gets it back as Removed.
type Removal struct {
	Person uint64 `json:"person"`
	Reason string `json:"reason,omitempty"`
}

// Welcome answers Join: who the browser is in this room.
type Welcome struct {
	Session   uint64 `json:"session"`
	Role      string `json:"role"` // "trainer" or "viewer"
	Conn      string `json:"conn"` // the connection's ID, for reconnects
	Status    string `json:"status"`
	ChatMuted bool   `json:"chat_muted"`
}

// ChatMessage is a chat message or question as the room sees it.
type ChatMessage struct {
	ID       uint64 `json:"id"`
	Kind     string `json:"kind"` // "chat" or "question"
	Author   string `json:"author"`
	Trainer  bool   `json:"trainer"`
	Text     string `json:"text"`
	At       int64  `json:"at"` // Unix milliseconds
	Answer   string `json:"answer,omitempty"`
	Answered bool   `json:"answered,omitempty"`
}

// PinnedMessage is the pinned message, or none (Message nil).
type PinnedMessage struct {
	Message *ChatMessage `json:"message"`
}

// PresenceChallenge asks every viewer to answer Check before Deadline
// (Unix milliseconds).
type PresenceChallenge struct {
	Check    uint64 `json:"check"`
	Deadline int64  `json:"deadline"`
}

// Count is how many viewers are in the room.
type Count struct {
	Count int `json:"count"`
}

// Viewer is one viewer as the trainer's list shows them.
type Viewer struct {
	Person     uint64 `json:"person"`
	Name       string `json:"name"`
	Enterprise string `json:"enterprise,omitempty"`
	Receiving  bool   `json:"receiving"`
	HandUp     bool   `json:"hand_up"`
	Devices    int    `json:"devices"`
}

// Viewers is the trainer's viewer list.
type Viewers struct {
	Viewers []Viewer `json:"viewers"`
}

// HandUp tells the trainer a viewer raised or lowered their hand.
type HandUp struct {
	Person uint64 `json:"person"`
	Name   string `json:"name"`
	Up     bool   `json:"up"`
}

// Minutes is what a viewer has been credited for the session so far (Final
// once the session ended and the ledger holds it).
type Minutes struct {
	Credited  int  `json:"credited"`
	Receiving int  `json:"receiving"`
	Missed    int  `json:"missed_checks"`
	Final     bool `json:"final"`
}

// ErrorData is an error for the browser: a code and a message in Chinese.
type ErrorData struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Empty is the payload of messages that carry none (end, ended, the
// trainer's presence_check); "data" may then be absent or {}.
type Empty struct{}

// Message is one decoded message: its type, the sender's optional ID (a
// reply echoes it) and its payload, a pointer to the struct its type takes
// (e.g. *Text for ChatSend from a browser).
type Message struct {
	Type Type
	ID   uint64
	Data any
}

// The errors of Decode and Encode.
var (
	ErrTooLarge    = fault.New(fault.TooLarge, "signal_too_large", "消息过大（不能超过64KB）")
	ErrMalformed   = fault.New(fault.Invalid, "signal_malformed", "消息格式有误，应为 JSON 对象")
	ErrVersion     = fault.New(fault.Invalid, "signal_version", "消息协议版本不受支持，请刷新页面")
	ErrUnknownType = fault.New(fault.Invalid, "signal_unknown_type", "不支持的消息类型")
	ErrInvalid     = fault.New(fault.Invalid, "signal_invalid", "消息内容有误")
	// ErrNotTrainer is for the handler: a trainer-only message from a viewer.
	ErrNotTrainer = fault.New(fault.Forbidden, "signal_not_trainer", "只有主讲讲师可以执行此操作")
)

// direction says which side sends a type, and its payload.
type direction int

const (
	fromClient direction = iota
	fromServer
)

// payload returns a new payload for t sent in direction d, or nil when
// that side never sends t.
func payload(t Type, d direction) any {
	switch t {
	case TypeOffer, TypeAnswer:
		return &SDP{}
	case TypeICE:
		return &Candidate{}
	case TypePresenceCheck:
		if d == fromServer {
			return &PresenceChallenge{}
		}
		return &Empty{}
	case TypeChat, TypeQuestion:
		if d == fromServer {
			return &ChatMessage{}
		}
		return &Text{}
	}
	if d == fromClient {
		switch t {
		case TypeJoin:
			return &Join{}
		case TypeRaiseHand:
			return &Hand{}
		case TypePresenceAnswer:
			return &PresenceReply{}
		case TypeAnswerQuestion:
			return &Reply{}
		case TypePin:
			return &PinRequest{}
		case TypeMuteChat, TypeScreenShare:
			return &Switch{}
		case TypeRemoveViewer:
			return &Removal{}
		case TypeEnd:
			return &Empty{}
		}
		return nil
	}
	switch t {
	case TypeWelcome:
		return &Welcome{}
	case TypeChatMuted, TypeScreenShare:
		return &Switch{}
	case TypeAttendance:
		return &Minutes{}
	case TypePinned:
		return &PinnedMessage{}
	case TypeViewerCount:
		return &Count{}
	case TypeViewerList:
		return &Viewers{}
	case TypeError:
		return &ErrorData{}
	case TypeRemoved:
		return &Removal{}
	case TypeEnded:
		return &Empty{}
	case TypeHandRaised:
		return &HandUp{}
	}
	return nil
}

// envelope is the wire form.
type envelope struct {
	V    *int            `json:"v"`
	Type *Type           `json:"type"`
	ID   *uint64         `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Decode reads a message a browser sent. It returns ErrTooLarge above
// MaxMessage, ErrMalformed for anything but one JSON object with known
// fields, ErrVersion for another version, ErrUnknownType for a type a
// browser does not send, and ErrInvalid (with the field named in Details)
// for a payload of the wrong shape or a text that is empty or too long.
func Decode(b []byte) (Message, error) { return decode(b, fromClient) }

// DecodeServer reads a message the server sent, with the same checks as
// Decode (for Go clients: the load tool and the tests).
func DecodeServer(b []byte) (Message, error) { return decode(b, fromServer) }

func decode(b []byte, d direction) (Message, error) {
	if len(b) > MaxMessage {
		return Message{}, ErrTooLarge
	}
	var env envelope
	if err := strict(b, &env); err != nil {
		return Message{}, ErrMalformed.WithDetails(fault.Detail{Message: describe(err)})
	}
	if env.V == nil {
		return Message{}, ErrVersion.WithDetails(fault.Detail{Field: "v", Message: "缺少协议版本 v"})
	}
	if *env.V != Version {
		return Message{}, ErrVersion
	}
	if env.Type == nil || *env.Type == "" {
		return Message{}, ErrUnknownType.WithDetails(fault.Detail{Field: "type", Message: "缺少消息类型 type"})
	}
	m := Message{Type: *env.Type}
	if env.ID != nil {
		m.ID = *env.ID
	}
	m.Data = payload(m.Type, d)
	if m.Data == nil {
		return Message{}, ErrUnknownType.WithMessage("不支持的消息类型：%s", clip(string(m.Type), 40))
	}
	data := bytes.TrimSpace(env.Data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		if _, empty := m.Data.(*Empty); !empty {
			return Message{}, invalid("data", "缺少消息内容 data")
		}
	} else if err := strict(data, m.Data); err != nil {
		return Message{}, invalid("data", "消息内容有误："+describe(err))
	}
	if err := check(m.Data); err != nil {
		return Message{}, err
	}
	return m, nil
}

// strict decodes one JSON value from b into v, refusing unknown fields
// and anything after the value.
func strict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

// describe says in Chinese what was wrong with JSON, naming the field.
func describe(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return "字段 " + clip(te.Field, 60) + " 的类型不正确"
	case errors.As(err, &se):
		return "JSON 语法错误"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "不认识的字段 " + clip(strings.TrimPrefix(err.Error(), "json: unknown field "), 60)
	case err.Error() == "trailing data":
		return "JSON 之后还有多余内容"
	}
	return "无法解析"
}

func invalid(field, msg string) error {
	return ErrInvalid.WithMessage("%s", msg).WithDetails(fault.Detail{Field: field, Message: msg})
}

// check validates a payload's fields.
func check(v any) error {
	switch p := v.(type) {
	case *Join:
		if err := text("data.device", p.Device, MaxDevice, true); err != nil {
			return err
		}
	case *SDP:
		if p.SDP == "" || len(p.SDP) > MaxSDP {
			return invalid("data.sdp", "会话描述 sdp 不能为空，且不能超过48KB")
		}
	case *Candidate:
		if len(p.Candidate) > MaxCandidate {
			return invalid("data.candidate", "ICE 候选地址过长")
		}
		if p.SDPMid != nil && len(*p.SDPMid) > MaxMID {
			return invalid("data.sdpMid", "sdpMid 过长")
		}
		if p.UsernameFragment != nil && len(*p.UsernameFragment) > MaxMID {
			return invalid("data.usernameFragment", "usernameFragment 过长")
		}
	case *Text:
		return text("data.text", p.Text, MaxText, true)
	case *PresenceReply:
		if p.Check == 0 {
			return invalid("data.check", "缺少签到编号 check")
		}
	case *Reply:
		if p.Message == 0 {
			return invalid("data.message", "缺少问题编号 message")
		}
		return text("data.text", p.Text, MaxText, true)
	case *PinRequest:
		if p.Message == 0 {
			return invalid("data.message", "缺少消息编号 message")
		}
	case *Removal:
		if p.Person == 0 {
			return invalid("data.person", "缺少学员编号 person")
		}
		return text("data.reason", p.Reason, MaxReason, false)
	case *ChatMessage:
		if p.Kind != "chat" && p.Kind != "question" {
			return invalid("data.kind", "消息种类 kind 应为 chat 或 question")
		}
		return text("data.text", p.Text, MaxText, true)
	case *PinnedMessage:
		if p.Message != nil {
			return check(p.Message)
		}
	case *ErrorData:
		if p.Code == "" {
			return invalid("data.code", "缺少错误代码 code")
		}
	case *Welcome:
		if p.Role != "trainer" && p.Role != "viewer" {
			return invalid("data.role", "角色 role 应为 trainer 或 viewer")
		}
	}
	return nil
}

// text checks a string field: valid UTF-8, at most max characters, and not
// blank when required.
func text(field, s string, max int, required bool) error {
	switch {
	case !utf8.ValidString(s):
		return invalid(field, "文字编码有误")
	case required && strings.TrimSpace(s) == "":
		return invalid(field, "内容不能为空")
	case utf8.RuneCountInString(s) > max:
		return invalid(field, "内容不能超过"+itoa(max)+"个字")
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
