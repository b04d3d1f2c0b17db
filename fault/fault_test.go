package fault

import (
	"errors"
	"fmt"
	"testing"
)

func TestIsMatchesCopies(t *testing.T) {
	base := New(NotFound, "person_not_found", "未找到该人员")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"same", base, true},
		{"with details", base.WithDetails(Detail{Field: "id", Message: "x"}), true},
		{"wrapped", fmt.Errorf("ctx: %w", base), true},
		{"other code", New(NotFound, "user_not_found", "x"), false},
		{"other kind", New(Conflict, "person_not_found", "x"), false},
		{"plain", errors.New("person_not_found"), false},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, base); got != tt.want {
			t.Errorf("%s: errors.Is = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAsWrapsUnknownAsInternal(t *testing.T) {
	got := As(errors.New("boom"))
	if got.Kind != Internal || got.Message == "boom" {
		t.Fatalf("As(plain) = %+v, want Internal with a hidden message", got)
	}
	if !errors.Is(got, got) || got.Unwrap() == nil {
		t.Fatalf("As(plain) lost its cause")
	}
	inv := Field("name_required", "name", "请填写姓名")
	if As(fmt.Errorf("x: %w", inv)) != inv {
		t.Fatalf("As did not find the *Error in the chain")
	}
}

func TestWithDetailsDoesNotAlias(t *testing.T) {
	base := New(Unprocessable, "import_invalid", "文件有错误")
	a := base.WithDetails(Detail{Row: 2, Message: "a"})
	b := base.WithDetails(Detail{Row: 3, Message: "b"})
	if len(base.Details) != 0 || len(a.Details) != 1 || len(b.Details) != 1 || a.Details[0].Row != 2 {
		t.Fatalf("details alias: base=%v a=%v b=%v", base.Details, a.Details, b.Details)
	}
}
