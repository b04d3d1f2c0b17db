package signing

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"
)

// The W3C eddsa-jcs-2022 test vector; see testdata/README.md.
const vectorDir = "testdata/eddsa-jcs-2022"

func readVector(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func readJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(readVector(t, name)), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// specKey decodes the vector's secretKeyMultibase: base58btc of the
// multicodec ed25519-priv prefix (0x80 0x26) and the 32-byte seed.
func specKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	var kp struct{ PublicKeyMultibase, SecretKeyMultibase string }
	if err := json.Unmarshal([]byte(readVector(t, "keypair.json")), &kp); err != nil {
		t.Fatal(err)
	}
	raw, err := base58.Decode(strings.TrimPrefix(kp.SecretKeyMultibase, "z"))
	if err != nil || len(raw) != 34 || raw[0] != 0x80 || raw[1] != 0x26 {
		t.Fatalf("secretKeyMultibase: %x, %v", raw, err)
	}
	priv := ed25519.NewKeyFromSeed(raw[2:])
	if multikey(priv.Public().(ed25519.PublicKey)) != kp.PublicKeyMultibase {
		t.Fatal("the secret key does not match publicKeyMultibase")
	}
	return priv
}

// fragmentResolver resolves a verification method whose fragment is the
// Multikey itself, as the vectors' did:key and https methods are.
func fragmentResolver(vm string) (ed25519.PublicKey, error) {
	_, frag, ok := strings.Cut(vm, "#")
	if !ok {
		return nil, errors.New("no fragment")
	}
	return parseMultikey(frag)
}

// TestJCSVectorSteps checks each intermediate value of the specification's
// example, so a wrong canonicalization, hash order or encoding shows where
// it goes wrong.
func TestJCSVectorSteps(t *testing.T) {
	doc := readJSON(t, "unsigned.json")
	options := readJSON(t, "proof-options.json")

	docCanon, err := canonical(doc)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "canonical document", string(docCanon), readVector(t, "canonical-document.txt"))
	docHash := sha256.Sum256(docCanon)
	check(t, "document hash", hex.EncodeToString(docHash[:]), readVector(t, "document-hash.txt"))

	proofCanon, err := canonical(options)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "canonical proof options", string(proofCanon), readVector(t, "canonical-proof-options.txt"))
	proofHash := sha256.Sum256(proofCanon)
	check(t, "proof options hash", hex.EncodeToString(proofHash[:]), readVector(t, "proof-options-hash.txt"))

	combined := hashData(proofCanon, docCanon)
	check(t, "combined hash (proof options first)", hex.EncodeToString(combined), readVector(t, "combined-hash.txt"))

	sig := ed25519.Sign(specKey(t), combined)
	check(t, "signature", hex.EncodeToString(sig), readVector(t, "signature-hex.txt"))
	check(t, "proofValue", "z"+base58.Encode(sig), readVector(t, "signature-base58btc.txt"))
}

func check(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}

// TestAddProofJCSVector signs the specification's credential with its key
// and options and expects the specification's signed credential.
func TestAddProofJCSVector(t *testing.T) {
	doc := readJSON(t, "unsigned.json")
	options := readJSON(t, "proof-options.json")
	created, err := time.Parse(time.RFC3339, options["created"].(string))
	if err != nil {
		t.Fatal(err)
	}
	got, err := AddProofJCS(doc, specKey(t), options["verificationMethod"].(string), created, options["proofPurpose"].(string))
	if err != nil {
		t.Fatal(err)
	}
	want, err := canonical(readJSON(t, "signed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("AddProofJCS:\n got %s\nwant %s", got, want)
	}
	if _, ok := doc["proof"]; ok {
		t.Error("AddProofJCS modified its input")
	}
}

func TestVerifyProofJCSVectors(t *testing.T) {
	for _, name := range []string{"signed.json", "signed-draft-369f0f0.json", "signed-draft-4ced357.json"} {
		t.Run(name, func(t *testing.T) {
			if err := VerifyProofJCS([]byte(readVector(t, name)), fragmentResolver); err != nil {
				t.Errorf("VerifyProofJCS: %v", err)
			}
		})
	}
}

// TestVerifyProofJCSTampered changes the signed vector one way at a time.
func TestVerifyProofJCSTampered(t *testing.T) {
	signed := readVector(t, "signed.json")
	tests := []struct {
		name, old, new string
		want           error
	}{
		{"document field", `"alumniOf": "The School of Examples"`, `"alumniOf": "The School of Exampled"`, ErrBadSignature},
		{"field added", `"name": "Alumni`, `"extra": 1, "name": "Alumni`, ErrBadSignature},
		{"proof created", `"created": "2023-02-24T23:36:38Z"`, `"created": "2023-02-24T23:36:39Z"`, ErrBadSignature},
		{"document context", `"https://www.w3.org/ns/credentials/examples/v2"
  ],
  "id"`, `"https://www.w3.org/ns/credentials/examples/v2", "https://example.org/more"
  ],
  "id"`, nil},
		{"context not a prefix", `"https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2"
  ],
  "id"`, `"https://www.w3.org/ns/credentials/examples/v2"
  ],
  "id"`, ErrBadSignature},
		{"proofValue", `Vor51aX"`, `Vor51aY"`, ErrBadSignature},
		{"proofValue not base58btc", `"proofValue": "z`, `"proofValue": "u`, ErrMalformed},
		{"proofValue short", `"proofValue": "z2HnFSS`, `"proofValue": "z`, ErrMalformed},
		{"other cryptosuite", `"eddsa-jcs-2022"`, `"eddsa-rdfc-2022"`, ErrMalformed},
		{"other purpose", `"proofPurpose": "assertionMethod"`, `"proofPurpose": "authentication"`, ErrMalformed},
		{"bad created", `"created": "2023-02-24T23:36:38Z"`, `"created": "yesterday"`, ErrMalformed},
		{"duplicate key", `"name": "Alumni Credential",`, `"name": "Alumni Credential", "name": "X",`, ErrMalformed},
		{"no proof", `"proof"`, `"proof2"`, ErrMalformed},
		{"other key", `"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"`,
			`"did:key:x#z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E"`, ErrBadSignature},
		{"unresolvable key", `"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"`,
			`"did:key:nofragment"`, ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(signed, tt.old, tt.new, 1)
			if doc == signed {
				t.Fatal("the test did not change the document")
			}
			err := VerifyProofJCS([]byte(doc), fragmentResolver)
			if tt.want == nil {
				if err != nil {
					t.Errorf("VerifyProofJCS = %v, want nil (the document's @context may extend the proof's)", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("VerifyProofJCS error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyProofJCSMalformed(t *testing.T) {
	for _, doc := range []string{"", "[]", "null", `"x"`, "{", `{"proof":[]}`, `{"proof":"x"}`, `{"proof":{}}`,
		strings.Repeat(" ", maxDocLen+1)} {
		if err := VerifyProofJCS([]byte(doc), fragmentResolver); !errors.Is(err, ErrMalformed) {
			t.Errorf("VerifyProofJCS(%.20q) error = %v, want ErrMalformed", doc, err)
		}
	}
}

// TestProofRoundTripWithKeyring signs with anpei's keyring and verifies with
// the published keys, as a third party would.
func TestProofRoundTripWithKeyring(t *testing.T) {
	const base = "https://anpei.example.cn"
	k := newKeyring(t)
	kid, signer := k.CurrentSigner()
	doc := map[string]any{
		"@context": []any{vcContext},
		"id":       "https://anpei.example.cn/verify/AP-2026-004217",
		"type":     []any{"VerifiableCredential"},
		"issuer":   base,
		"name":     "安全生产培训合格证明 <&>",
		"count":    json.Number("1.50"),
	}
	signed, err := AddProofJCS(doc, signer, VerificationMethod(base, kid), time.Now(), ProofPurposeAssertion)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Rotate(time.Now()); err != nil {
		t.Fatal(err)
	}
	pubs, err := LoadPublic(k.PublishedKeys(base))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyProofJCS(signed, Resolver(base, pubs)); err != nil {
		t.Fatalf("VerifyProofJCS: %v\n%s", err, signed)
	}
	// A resolver for another site refuses the key.
	if err := VerifyProofJCS(signed, Resolver("https://evil.example", pubs)); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("VerifyProofJCS with another site's resolver = %v, want ErrUnknownKey", err)
	}
	// A resolver without the key refuses it.
	if err := VerifyProofJCS(signed, Resolver(base, newKeyring(t))); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("VerifyProofJCS with a keyring lacking the key = %v, want ErrUnknownKey", err)
	}
	tampered := bytes.Replace(signed, []byte("培训合格"), []byte("培训优秀"), 1)
	if err := VerifyProofJCS(tampered, Resolver(base, pubs)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("VerifyProofJCS(tampered) = %v, want ErrBadSignature", err)
	}
}

func TestAddProofJCSRejects(t *testing.T) {
	k := newKeyring(t)
	_, signer := k.CurrentSigner()
	now := time.Now()
	tests := []struct {
		name string
		doc  map[string]any
		vm   string
		at   time.Time
	}{
		{"already has a proof", map[string]any{"proof": map[string]any{}}, "vm", now},
		{"no verification method", map[string]any{}, "", now},
		{"no created time", map[string]any{}, "vm", time.Time{}},
		{"not serializable", map[string]any{"x": make(chan int)}, "vm", now},
	}
	for _, tt := range tests {
		if _, err := AddProofJCS(tt.doc, signer, tt.vm, tt.at, ProofPurposeAssertion); err == nil || !strings.HasPrefix(err.Error(), "signing: ") {
			t.Errorf("%s: AddProofJCS error = %v", tt.name, err)
		}
	}
}

func TestVerificationMethod(t *testing.T) {
	got := VerificationMethod("https://anpei.example.cn/", "kabc")
	if want := "https://anpei.example.cn/.well-known/anpei-keys.json#kabc"; got != want {
		t.Errorf("VerificationMethod = %q, want %q", got, want)
	}
}
