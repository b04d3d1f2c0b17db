package signal

import (
	"encoding/json"
	"reflect"

	"anpei/fault"
)

// Encode writes a message the server sends: m.Data must be the payload
// DecodeServer gives for m.Type (a pointer or a value; nil for a type
// whose payload is Empty). It returns ErrUnknownType for a type the server
// does not send, ErrInvalid for a payload of another type or one Decode
// would refuse, and ErrTooLarge above MaxMessage.
func Encode(m Message) ([]byte, error) { return encode(m, fromServer) }

// EncodeClient writes a message a browser sends, with the checks of
// Decode (for Go clients: the load tool and the tests).
func EncodeClient(m Message) ([]byte, error) { return encode(m, fromClient) }

func encode(m Message, d direction) ([]byte, error) {
	want := payload(m.Type, d)
	if want == nil {
		return nil, ErrUnknownType.WithMessage("不支持的消息类型：%s", clip(string(m.Type), 40))
	}
	data := m.Data
	if data == nil {
		if _, empty := want.(*Empty); !empty {
			return nil, invalid("data", "缺少消息内容 data")
		}
		data = want
	}
	// Accept the payload by value too.
	if v := reflect.ValueOf(data); v.Kind() != reflect.Pointer {
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		data = p.Interface()
	}
	if reflect.TypeOf(data) != reflect.TypeOf(want) {
		return nil, invalid("data", "消息内容的类型与消息类型不符")
	}
	if err := check(data); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fault.Wrap(err, "signal: encode")
	}
	v := Version
	typ := m.Type
	env := envelope{V: &v, Type: &typ, Data: raw}
	if m.ID != 0 {
		env.ID = &m.ID
	}
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fault.Wrap(err, "signal: encode")
	}
	if len(b) > MaxMessage {
		return nil, ErrTooLarge
	}
	return b, nil
}

// EncodeError writes an error message answering the message with ID id
// (0: none). A *fault.Error keeps its code and message; anything else,
// and an internal error, says only "internal" so that nothing of the
// server's workings reaches the browser.
func EncodeError(id uint64, err error) []byte {
	fe := fault.As(err)
	e := ErrorData{Code: fe.Code, Message: fe.Message}
	if fe.Kind == fault.Internal {
		e = ErrorData{Code: "internal", Message: "服务器内部错误，请稍后重试"}
	}
	b, encErr := Encode(Message{Type: TypeError, ID: id, Data: &e})
	if encErr != nil { // a code or message too odd to encode: say it plainly
		b, _ = Encode(Message{Type: TypeError, ID: id, Data: &ErrorData{Code: "internal", Message: "服务器内部错误，请稍后重试"}})
	}
	return b
}
