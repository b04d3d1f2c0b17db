package signing

import (
	"testing"
)

// newKeyring returns a Keyring in a fresh temporary directory.
func newKeyring(t *testing.T) *Keyring {
	t.Helper()
	k, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatalf("LoadOrCreate: %v", err)
	}
	return k
}

// typicalClaims is a 培训合格证明 as anpei issues it: a Chinese kind name and
// issuer, a masked name, and an ID bound by salt and hash.
func typicalClaims() Claims {
	const salt = "q3Vw9xT2bLm0"
	return Claims{
		Number:     "AP-2026-004217",
		Kind:       "training_pass",
		KindName:   "安全生产培训合格证明",
		Holder:     "张*明",
		IDLast4:    "002X",
		IDSalt:     salt,
		IDHash:     HashID(salt, "11010519491231002X"),
		IssuedOn:   "2026-03-01",
		ValidUntil: "2029-02-28",
		Issuer:     "北京市朝阳区应急管理局",
	}
}
