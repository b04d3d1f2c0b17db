package signing

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStatusListBitOrder(t *testing.T) {
	l := NewStatusList(0)
	if l.Len() != MinStatusListBits {
		t.Fatalf("Len = %d, want %d", l.Len(), MinStatusListBits)
	}
	for _, i := range []int{0, 7, 9, MinStatusListBits - 1} {
		if err := l.Set(i, true); err != nil {
			t.Fatal(err)
		}
	}
	// Index 0 is the most significant bit of byte 0 (the left-most bit).
	want := map[int]byte{0: 0b1000_0001, 1: 0b0100_0000, len(l.bits) - 1: 0b0000_0001}
	for i, b := range l.bits {
		if b != want[i] {
			t.Errorf("byte %d = %08b, want %08b", i, b, want[i])
		}
	}
	if err := l.Set(7, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Get(7); got {
		t.Error("Get(7) after clearing = true")
	}
	for _, i := range []int{-1, MinStatusListBits} {
		if err := l.Set(i, true); err == nil {
			t.Errorf("Set(%d) succeeded", i)
		}
		if _, err := l.Get(i); err == nil {
			t.Errorf("Get(%d) succeeded", i)
		}
	}
	if got := NewStatusList(MinStatusListBits*2 + 3).Len(); got != MinStatusListBits*2+8 {
		t.Errorf("NewStatusList(2·min+3).Len = %d, want rounded up to a byte", got)
	}
}

func TestStatusListRoundTrip(t *testing.T) {
	l := NewStatusList(0)
	revoked := []int{0, 1, 94567, 131071}
	for _, i := range revoked {
		l.Set(i, true)
	}
	enc := l.Encode()
	if !strings.HasPrefix(enc, "u") || strings.ContainsAny(enc, "+/=") {
		t.Fatalf("Encode = %.40q…, want multibase base64url without padding", enc)
	}
	t.Logf("encodedList with %d revocations: %d characters", len(revoked), len(enc))
	back, err := DecodeStatusList(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.bits, l.bits) {
		t.Fatal("decoded bits differ")
	}
	for _, i := range []int{0, 1, 2, 94566, 94567, 131071} {
		got, _ := back.Get(i)
		want := i != 2 && i != 94566
		if got != want {
			t.Errorf("Get(%d) = %v, want %v", i, got, want)
		}
	}
}

// TestDecodeStatusListSpecExample decodes the encodedList of the
// specification's Example 3: 131,072 entries, none set.
func TestDecodeStatusListSpecExample(t *testing.T) {
	data, err := os.ReadFile("testdata/bitstring-status-list/example-3.json")
	if err != nil {
		t.Fatal(err)
	}
	var cred struct {
		CredentialSubject struct{ EncodedList string } `json:"credentialSubject"`
	}
	if err := json.Unmarshal(data, &cred); err != nil {
		t.Fatal(err)
	}
	l, err := DecodeStatusList(cred.CredentialSubject.EncodedList)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 131072 {
		t.Fatalf("Len = %d, want 131072", l.Len())
	}
	if !bytes.Equal(l.bits, make([]byte, 16384)) {
		t.Error("the example list has bits set; want none")
	}
	// Our encoding of an empty list decodes to the same bits.
	back, err := DecodeStatusList(NewStatusList(0).Encode())
	if err != nil || !bytes.Equal(back.bits, l.bits) {
		t.Errorf("empty list round trip: %v", err)
	}
}

func TestDecodeStatusListRejects(t *testing.T) {
	gz := func(n int) string {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(make([]byte, n))
		w.Close()
		return "u" + base64.RawURLEncoding.EncodeToString(b.Bytes())
	}
	tests := map[string]string{
		"empty":            "",
		"no prefix":        NewStatusList(0).Encode()[1:],
		"base58 prefix":    "z" + NewStatusList(0).Encode()[1:],
		"padded":           NewStatusList(0).Encode() + "==",
		"not base64":       "u***",
		"not gzip":         "u" + base64.RawURLEncoding.EncodeToString([]byte("plain bytes")),
		"truncated gzip":   NewStatusList(0).Encode()[:30],
		"too short":        gz(1024),
		"inflates too far": gz(maxStatusListBytes + 1),
	}
	for name, s := range tests {
		if _, err := DecodeStatusList(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: DecodeStatusList error = %v, want ErrMalformed", name, err)
		}
	}
}

func TestStatusListCredentialAndEntry(t *testing.T) {
	const listURL = "https://anpei.example.cn/status/1"
	l := NewStatusList(0)
	l.Set(94567, true)
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	cred := StatusListCredential(listURL, "https://anpei.example.cn", at, l)
	got, _ := json.Marshal(cred)
	want := `{"@context":["https://www.w3.org/ns/credentials/v2"],` +
		`"credentialSubject":{"encodedList":"` + l.Encode() + `","id":"https://anpei.example.cn/status/1#list",` +
		`"statusPurpose":"revocation","type":"BitstringStatusList"},` +
		`"id":"https://anpei.example.cn/status/1","issuer":"https://anpei.example.cn",` +
		`"type":["VerifiableCredential","BitstringStatusListCredential"],"validFrom":"2026-03-01T00:00:00Z"}`
	if string(got) != want {
		t.Errorf("StatusListCredential:\n got %s\nwant %s", got, want)
	}

	entry, _ := json.Marshal(StatusEntry(listURL, 94567))
	wantEntry := `{"id":"https://anpei.example.cn/status/1#94567","statusListCredential":"https://anpei.example.cn/status/1",` +
		`"statusListIndex":"94567","statusPurpose":"revocation","type":"BitstringStatusListEntry"}`
	if string(entry) != wantEntry {
		t.Errorf("StatusEntry:\n got %s\nwant %s", entry, wantEntry)
	}

	// A verifier's path: verify the signed list, decode it, read the bit.
	k := newKeyring(t)
	kid, signer := k.CurrentSigner()
	signed, err := AddProofJCS(cred, signer, VerificationMethod("https://anpei.example.cn", kid), at, ProofPurposeAssertion)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyProofJCS(signed, Resolver("https://anpei.example.cn", k)); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		CredentialSubject struct{ EncodedList string } `json:"credentialSubject"`
	}
	json.Unmarshal(signed, &parsed)
	decoded, err := DecodeStatusList(parsed.CredentialSubject.EncodedList)
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	json.Unmarshal(entry, &e)
	idx, _ := strconv.Atoi(e["statusListIndex"].(string))
	if revoked, _ := decoded.Get(idx); !revoked {
		t.Error("the entry's bit is not set in the published list")
	}
}
