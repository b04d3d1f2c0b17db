package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPublishedKeys(t *testing.T) {
	k := newKeyring(t)
	old := k.Current()
	cur, err := k.Rotate(time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	doc := k.PublishedKeys("https://anpei.example.cn/")
	if !bytes.Equal(doc, k.PublishedKeys("https://anpei.example.cn/")) {
		t.Error("PublishedKeys is not deterministic")
	}
	var got struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Keys) != 2 {
		t.Fatalf("%d keys published, want 2:\n%s", len(got.Keys), doc)
	}
	for i, want := range []struct {
		kid     string
		current bool
	}{{old, false}, {cur, true}} {
		pk := got.Keys[i]
		pub, _ := k.PublicKey(want.kid)
		jwk, _ := pk["publicKeyJwk"].(map[string]any)
		checks := []struct {
			field string
			got   any
			want  any
		}{
			{"kid", pk["kid"], want.kid},
			{"current", pk["current"], want.current},
			{"type", pk["type"], "Multikey"},
			{"id", pk["id"], "https://anpei.example.cn/.well-known/anpei-keys.json#" + want.kid},
			{"controller", pk["controller"], "https://anpei.example.cn"},
			{"publicKeyMultibase", pk["publicKeyMultibase"], multikey(pub)},
			{"jwk.kty", jwk["kty"], "OKP"},
			{"jwk.crv", jwk["crv"], "Ed25519"},
			{"jwk.kid", jwk["kid"], want.kid},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("keys[%d].%s = %v, want %v", i, c.field, c.got, c.want)
			}
		}
		if mb, _ := pk["publicKeyMultibase"].(string); !strings.HasPrefix(mb, "z6Mk") {
			t.Errorf("keys[%d].publicKeyMultibase = %q, want an Ed25519 Multikey (z6Mk…)", i, mb)
		}
	}
	if bytes.Contains(doc, []byte("private")) || bytes.Contains(doc, []byte(`"d"`)) {
		t.Errorf("published document mentions private material:\n%s", doc)
	}
	noBase := k.PublishedKeys("")
	if bytes.Contains(noBase, []byte(`"id"`)) || bytes.Contains(noBase, []byte("controller")) {
		t.Errorf("without a base, keys should carry no id or controller:\n%s", noBase)
	}
}

// TestLoadPublicVerifiesTokens is the offline verifier's path: it holds only
// the published document.
func TestLoadPublicVerifiesTokens(t *testing.T) {
	k := newKeyring(t)
	oldTok, err := Sign(k, typicalClaims())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Rotate(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	newTok, err := Sign(k, typicalClaims())
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := LoadPublic(k.PublishedKeys("https://anpei.example.cn"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pubs.KeyIDs(), k.KeyIDs()) || pubs.Current() != k.Current() {
		t.Errorf("LoadPublic: keys %v current %s; want %v %s", pubs.KeyIDs(), pubs.Current(), k.KeyIDs(), k.Current())
	}
	for _, tok := range []string{oldTok, newTok} {
		if _, err := Verify(tok, pubs); err != nil {
			t.Errorf("Verify with published keys: %v", err)
		}
	}
	other := newKeyring(t)
	foreign, err := Sign(other, typicalClaims())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(foreign, pubs); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Verify(token from another keyring) error = %v, want ErrUnknownKey", err)
	}
}

func TestLoadPublicRejects(t *testing.T) {
	k := newKeyring(t)
	good := string(k.PublishedKeys(""))
	kid := k.Current()
	pub, _ := k.PublicKey(kid)
	other := newKeyring(t)
	otherPub, _ := other.PublicKey(other.Current())
	b64 := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", "{", "malformed JSON"},
		{"no keys", `{"keys":[]}`, "no keys"},
		{"kid mismatch", strings.Replace(good, `"kid": "`+kid, `"kid": "kaaaaaaaaaa`, 1), "does not match"},
		{"JWK and Multikey differ", strings.Replace(good, b64(pub), b64(otherPub), 1), "different keys"},
		{"wrong curve", strings.Replace(good, `"Ed25519"`, `"X25519"`, 1), "kty"},
		{"bad multibase", strings.Replace(good, `"publicKeyMultibase": "z`, `"publicKeyMultibase": "u`, 1), "publicKeyMultibase"},
		{"duplicate kid", strings.Replace(good, "]", ","+keyJSON(t, good)+"]", 1), "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.doc == good {
				t.Fatal("the test did not change the document")
			}
			_, err := LoadPublic([]byte(tt.doc))
			if err == nil || !strings.HasPrefix(err.Error(), "signing: published keys: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadPublic error = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// keyJSON returns the first key object of a published document.
func keyJSON(t *testing.T, doc string) string {
	var d struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	return string(d.Keys[0])
}

func TestMultikeyMatchesSpec(t *testing.T) {
	// keypair.json of the W3C eddsa-jcs-2022 vector: the Multikey of the
	// public key derived from the secret key must be its publicKeyMultibase.
	priv := specKey(t)
	const want = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	if got := multikey(priv.Public().(ed25519.PublicKey)); got != want {
		t.Errorf("multikey = %s, want %s", got, want)
	}
	back, err := parseMultikey(want)
	if err != nil || !back.Equal(priv.Public()) {
		t.Errorf("parseMultikey(%s) = %x, %v", want, back, err)
	}
	for _, bad := range []string{"", "z", "u6Mk", "z0OIl", "z6MkrJVnaZ"} {
		if _, err := parseMultikey(bad); err == nil {
			t.Errorf("parseMultikey(%q) succeeded", bad)
		}
	}
}
