package signal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"anpei/fault"
)

func TestDecode(t *testing.T) {
	long := strings.Repeat("安", MaxText+1)
	tests := []struct {
		name  string
		in    string
		want  Message
		err   error
		field string // the Detail's field, when err is ErrInvalid
	}{
		{"join", `{"v":1,"type":"join","id":1,"data":{"device":"phone-1"}}`, Message{TypeJoin, 1, &Join{Device: "phone-1"}}, nil, ""},
		{"chat", `{"v":1,"type":"chat","data":{"text":"老师好"}}`, Message{TypeChat, 0, &Text{Text: "老师好"}}, nil, ""},
		{"question", `{"v":1,"type":"question","id":9,"data":{"text":"动火作业要办票吗？"}}`, Message{TypeQuestion, 9, &Text{Text: "动火作业要办票吗？"}}, nil, ""},
		{"offer", `{"v":1,"type":"offer","data":{"sdp":"v=0\r\n"}}`, Message{TypeOffer, 0, &SDP{SDP: "v=0\r\n"}}, nil, ""},
		{"answer", `{"v":1,"type":"answer","data":{"sdp":"v=0\r\n"}}`, Message{TypeAnswer, 0, &SDP{SDP: "v=0\r\n"}}, nil, ""},
		{"ice end of candidates", `{"v":1,"type":"ice","data":{"candidate":""}}`, Message{TypeICE, 0, &Candidate{}}, nil, ""},
		{"raise hand", `{"v":1,"type":"raise_hand","data":{"up":true}}`, Message{TypeRaiseHand, 0, &Hand{Up: true}}, nil, ""},
		{"presence answer", `{"v":1,"type":"presence_answer","data":{"check":3}}`, Message{TypePresenceAnswer, 0, &PresenceReply{Check: 3}}, nil, ""},
		{"trainer answers", `{"v":1,"type":"answer_question","data":{"message":4,"text":"要"}}`, Message{TypeAnswerQuestion, 0, &Reply{Message: 4, Text: "要"}}, nil, ""},
		{"pin", `{"v":1,"type":"pin","data":{"message":4,"pinned":true}}`, Message{TypePin, 0, &PinRequest{Message: 4, Pinned: true}}, nil, ""},
		{"mute", `{"v":1,"type":"mute_chat","data":{"on":true}}`, Message{TypeMuteChat, 0, &Switch{On: true}}, nil, ""},
		{"remove", `{"v":1,"type":"remove_viewer","data":{"person":12,"reason":"刷屏"}}`, Message{TypeRemoveViewer, 0, &Removal{Person: 12, Reason: "刷屏"}}, nil, ""},
		{"presence check without data", `{"v":1,"type":"presence_check"}`, Message{TypePresenceCheck, 0, &Empty{}}, nil, ""},
		{"end with empty data", `{"v":1,"type":"end","data":{}}`, Message{TypeEnd, 0, &Empty{}}, nil, ""},
		{"screen share", `{"v":1,"type":"screen_share","data":{"on":false}}`, Message{TypeScreenShare, 0, &Switch{}}, nil, ""},

		{"empty", ``, Message{}, ErrMalformed, ""},
		{"not an object", `[1,2]`, Message{}, ErrMalformed, ""},
		{"truncated", `{"v":1,"type":"chat"`, Message{}, ErrMalformed, ""},
		{"trailing", `{"v":1,"type":"end"} {}`, Message{}, ErrMalformed, ""},
		{"unknown envelope field", `{"v":1,"type":"end","x":1}`, Message{}, ErrMalformed, ""},
		{"negative id", `{"v":1,"type":"end","id":-1}`, Message{}, ErrMalformed, ""},
		{"version as string", `{"v":"1","type":"end"}`, Message{}, ErrMalformed, ""},
		{"no version", `{"type":"end"}`, Message{}, ErrVersion, ""},
		{"version 2", `{"v":2,"type":"end"}`, Message{}, ErrVersion, ""},
		{"no type", `{"v":1}`, Message{}, ErrUnknownType, ""},
		{"unknown type", `{"v":1,"type":"dance"}`, Message{}, ErrUnknownType, ""},
		{"server-only type from a browser", `{"v":1,"type":"welcome","data":{"session":1,"role":"viewer","conn":"c","status":"live","chat_muted":false}}`, Message{}, ErrUnknownType, ""},
		{"missing data", `{"v":1,"type":"chat"}`, Message{}, ErrInvalid, "data"},
		{"null data", `{"v":1,"type":"chat","data":null}`, Message{}, ErrInvalid, "data"},
		{"unknown payload field", `{"v":1,"type":"chat","data":{"text":"hi","html":"<b>"}}`, Message{}, ErrInvalid, "data"},
		{"wrong payload type", `{"v":1,"type":"chat","data":{"text":5}}`, Message{}, ErrInvalid, "data"},
		{"payload on end", `{"v":1,"type":"end","data":{"now":true}}`, Message{}, ErrInvalid, "data"},
		{"blank chat", `{"v":1,"type":"chat","data":{"text":"  "}}`, Message{}, ErrInvalid, "data.text"},
		{"long chat", `{"v":1,"type":"chat","data":{"text":"` + long + `"}}`, Message{}, ErrInvalid, "data.text"},
		{"empty sdp", `{"v":1,"type":"offer","data":{"sdp":""}}`, Message{}, ErrInvalid, "data.sdp"},
		{"long candidate", `{"v":1,"type":"ice","data":{"candidate":"` + strings.Repeat("a", MaxCandidate+1) + `"}}`, Message{}, ErrInvalid, "data.candidate"},
		{"no device", `{"v":1,"type":"join","data":{}}`, Message{}, ErrInvalid, "data.device"},
		{"check zero", `{"v":1,"type":"presence_answer","data":{"check":0}}`, Message{}, ErrInvalid, "data.check"},
		{"remove nobody", `{"v":1,"type":"remove_viewer","data":{}}`, Message{}, ErrInvalid, "data.person"},
		{"answer nothing", `{"v":1,"type":"answer_question","data":{"text":"是"}}`, Message{}, ErrInvalid, "data.message"},
		{"too large", `{"v":1,"type":"chat","data":{"text":"` + strings.Repeat(" ", MaxMessage) + `x"}}`, Message{}, ErrTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.in))
			if tt.err == nil {
				if err != nil {
					t.Fatalf("Decode(%s) error %v", tt.in, err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("Decode(%s) = %#v, want %#v", tt.in, got, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("Decode(%.80s) error %v, want %v", tt.in, err, tt.err)
			}
			fe := fault.As(err)
			if fe.Message == "" || fe.Code == "" {
				t.Errorf("error without code or message: %#v", fe)
			}
			if tt.field != "" && (len(fe.Details) == 0 || fe.Details[0].Field != tt.field) {
				t.Errorf("error details %+v, want field %s", fe.Details, tt.field)
			}
		})
	}
}

func TestTrainerOnly(t *testing.T) {
	for _, typ := range []Type{TypeAnswerQuestion, TypePin, TypeMuteChat, TypeRemoveViewer, TypePresenceCheck, TypeScreenShare, TypeEnd} {
		if !typ.TrainerOnly() {
			t.Errorf("%s: TrainerOnly false", typ)
		}
	}
	for _, typ := range []Type{TypeJoin, TypeOffer, TypeAnswer, TypeICE, TypeChat, TypeQuestion, TypeRaiseHand, TypePresenceAnswer} {
		if typ.TrainerOnly() {
			t.Errorf("%s: TrainerOnly true", typ)
		}
	}
}

func TestEncodeServerMessages(t *testing.T) {
	msgs := []Message{
		{TypeWelcome, 1, &Welcome{Session: 3, Role: "viewer", Conn: "c1", Status: "live"}},
		{TypeAnswer, 0, &SDP{SDP: "v=0\r\n"}},
		{TypeOffer, 0, &SDP{SDP: "v=0\r\n"}},
		{TypeICE, 0, &Candidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host"}},
		{TypeChat, 0, &ChatMessage{ID: 5, Kind: "chat", Author: "张*", Text: "你好", At: 1700000000000}},
		{TypeQuestion, 0, &ChatMessage{ID: 6, Kind: "question", Author: "李*", Text: "问", Answer: "答", Answered: true}},
		{TypePinned, 0, &PinnedMessage{}},
		{TypePinned, 0, &PinnedMessage{Message: &ChatMessage{ID: 6, Kind: "question", Text: "问"}}},
		{TypePresenceCheck, 0, &PresenceChallenge{Check: 2, Deadline: 1700000060000}},
		{TypeViewerCount, 0, &Count{Count: 120}},
		{TypeViewerList, 0, &Viewers{Viewers: []Viewer{{Person: 1, Name: "王五", Receiving: true, Devices: 1}}}},
		{TypeError, 7, &ErrorData{Code: "chat_muted", Message: "讲师已关闭聊天"}},
		{TypeRemoved, 0, &Removal{Person: 1, Reason: "刷屏"}},
		{TypeEnded, 0, nil},
		{TypeHandRaised, 0, &HandUp{Person: 1, Name: "王五", Up: true}},
	}
	for _, m := range msgs {
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode(%s): %v", m.Type, err)
		}
		got, err := DecodeServer(b)
		if err != nil {
			t.Fatalf("DecodeServer(%s): %v", b, err)
		}
		want := m
		if want.Data == nil {
			want.Data = &Empty{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip of %s = %#v, want %#v", b, got, want)
		}
		if _, err := Decode(b); m.Type == TypeWelcome && !errors.Is(err, ErrUnknownType) {
			t.Errorf("a browser's decoder took a welcome: %v", err)
		}
	}
	// By value too.
	if b, err := Encode(Message{Type: TypeViewerCount, Data: Count{Count: 2}}); err != nil || !bytes.Contains(b, []byte(`"count":2`)) {
		t.Errorf("Encode by value = %s, %v", b, err)
	}
}

func TestEncodeRefuses(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		err  error
	}{
		{"browser-only type", Message{Type: TypeJoin, Data: &Join{Device: "x"}}, ErrUnknownType},
		{"unknown type", Message{Type: "nope"}, ErrUnknownType},
		{"wrong payload", Message{Type: TypeChat, Data: &Count{}}, ErrInvalid},
		{"missing payload", Message{Type: TypeChat}, ErrInvalid},
		{"bad kind", Message{Type: TypeChat, Data: &ChatMessage{Kind: "shout", Text: "x"}}, ErrInvalid},
		{"too large", Message{Type: TypeViewerList, Data: &Viewers{Viewers: make([]Viewer, 2000)}}, ErrTooLarge},
	}
	for _, tt := range tests {
		if _, err := Encode(tt.m); !errors.Is(err, tt.err) {
			t.Errorf("%s: Encode error %v, want %v", tt.name, err, tt.err)
		}
	}
}

func TestEncodeClient(t *testing.T) {
	b, err := EncodeClient(Message{Type: TypePresenceAnswer, ID: 4, Data: &PresenceReply{Check: 9}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(b)
	if err != nil || m.ID != 4 || m.Data.(*PresenceReply).Check != 9 {
		t.Fatalf("Decode(%s) = %+v, %v", b, m, err)
	}
}

func TestEncodeError(t *testing.T) {
	b := EncodeError(3, ErrNotTrainer)
	m, err := DecodeServer(b)
	if err != nil {
		t.Fatal(err)
	}
	if e := m.Data.(*ErrorData); m.ID != 3 || e.Code != "signal_not_trainer" || e.Message != ErrNotTrainer.Message {
		t.Errorf("EncodeError = %s", b)
	}
	// Nothing internal reaches the browser.
	b = EncodeError(0, errors.New("dial tcp 10.0.0.5:3306: connection refused"))
	if bytes.Contains(b, []byte("10.0.0.5")) || !bytes.Contains(b, []byte(`"code":"internal"`)) {
		t.Errorf("EncodeError of an internal error = %s", b)
	}
}

// FuzzDecode: Decode never panics; what it accepts encodes back and
// decodes to the same message; it never accepts more than MaxMessage.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "messages", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			if fault.As(err).Kind == fault.Internal {
				t.Fatalf("Decode(%q): internal error %v", b, err)
			}
			return
		}
		if len(b) > MaxMessage {
			t.Fatalf("accepted %d bytes", len(b))
		}
		again, err := EncodeClient(m)
		if err != nil {
			t.Fatalf("EncodeClient(%#v) after Decode(%q): %v", m, b, err)
		}
		m2, err := Decode(again)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip of %q: %#v, %v; want %#v", b, m2, err, m)
		}
	})
}

// TestSeedCorpusDecodes keeps the seed files honest: every file named ok-*
// decodes, every bad-* does not.
func TestSeedCorpusDecodes(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "messages", "*.json"))
	if len(files) < 10 {
		t.Fatalf("only %d seed messages", len(files))
	}
	for _, name := range files {
		b, _ := os.ReadFile(name)
		_, err := Decode(bytes.TrimSpace(b))
		if ok := strings.HasPrefix(filepath.Base(name), "ok-"); ok != (err == nil) {
			t.Errorf("%s: Decode error %v", name, err)
		}
	}
}
