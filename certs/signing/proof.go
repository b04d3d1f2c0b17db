package signing

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/mr-tron/base58"
)

// The proof this package makes and checks: a W3C Data Integrity proof with
// the eddsa-jcs-2022 cryptosuite (Data Integrity EdDSA Cryptosuites v1.0,
// section 3.3), which canonicalizes with RFC 8785 (JCS) instead of RDF, so it
// needs no JSON-LD processing.
const (
	proofType   = "DataIntegrityProof"
	cryptosuite = "eddsa-jcs-2022"
	// ProofPurposeAssertion is the proof purpose of an issued credential,
	// and the only one VerifyProofJCS accepts.
	ProofPurposeAssertion = "assertionMethod"
	// maxDocLen bounds what VerifyProofJCS will parse.
	maxDocLen = 1 << 20
)

// AddProofJCS returns doc secured with an eddsa-jcs-2022 proof, as
// canonical (RFC 8785) JSON. signer must hold an Ed25519 key, such as the
// one from (*Keyring).CurrentSigner; verificationMethod names its public key
// (see VerificationMethod); created is recorded to the second in UTC.
// proofPurpose is normally ProofPurposeAssertion. doc is not modified; when
// it has an @context, the proof carries the same one.
//
// It returns an error starting "signing:" when doc already has a proof, is
// not JSON-serializable or fails canonicalization (for example a NaN), when
// signer is not Ed25519, or when verificationMethod, proofPurpose or created
// is empty.
func AddProofJCS(doc map[string]any, signer crypto.Signer, verificationMethod string, created time.Time, proofPurpose string) ([]byte, error) {
	if _, ok := doc["proof"]; ok {
		return nil, errors.New("signing: add proof: the document already has a proof")
	}
	if _, ok := signer.Public().(ed25519.PublicKey); !ok {
		return nil, errors.New("signing: add proof: signer is not an Ed25519 key")
	}
	if verificationMethod == "" || proofPurpose == "" || created.IsZero() {
		return nil, errors.New("signing: add proof: verification method, proof purpose and created time are required")
	}
	proof := map[string]any{
		"type":               proofType,
		"cryptosuite":        cryptosuite,
		"created":            created.UTC().Format(time.RFC3339),
		"verificationMethod": verificationMethod,
		"proofPurpose":       proofPurpose,
	}
	if ctx, ok := doc["@context"]; ok {
		proof["@context"] = ctx
	}
	proofCanon, err := canonical(proof)
	if err != nil {
		return nil, fmt.Errorf("signing: add proof: proof configuration: %w", err)
	}
	docCanon, err := canonical(doc)
	if err != nil {
		return nil, fmt.Errorf("signing: add proof: document: %w", err)
	}
	sig, err := signer.Sign(nil, hashData(proofCanon, docCanon), noHash)
	if err != nil {
		return nil, fmt.Errorf("signing: add proof: %w", err)
	}
	proof["proofValue"] = "z" + base58.Encode(sig)
	secured := maps.Clone(doc)
	secured["proof"] = proof
	return canonical(secured)
}

// VerifyProofJCS checks the eddsa-jcs-2022 proof on docWithProof, which must
// have a single proof with the purpose ProofPurposeAssertion. resolve maps
// the proof's verificationMethod to a public key (see Resolver).
//
// It returns nil when the proof verifies, or an error matching ErrMalformed
// (not a JSON object, duplicate keys, over 1 MiB, no proof or a proof set,
// another proof type, cryptosuite or purpose, a bad proofValue or created),
// ErrUnknownKey (resolve failed; its error is kept as the cause) or
// ErrBadSignature (the document or proof was changed, or the proof's
// @context is not a prefix of the document's).
func VerifyProofJCS(docWithProof []byte, resolve func(verificationMethod string) (ed25519.PublicKey, error)) error {
	if len(docWithProof) > maxDocLen {
		return refuse(ErrMalformed, fmt.Errorf("document is %d bytes, over %d", len(docWithProof), maxDocLen))
	}
	// JCS first: it refuses duplicate keys, which parsers read differently.
	canon, err := jcs.Transform(docWithProof)
	if err != nil {
		return refuse(ErrMalformed, err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(canon, &doc); err != nil || doc == nil {
		return refuse(ErrMalformed, errors.New("document is not a JSON object"))
	}
	var options map[string]json.RawMessage
	if err := json.Unmarshal(doc["proof"], &options); err != nil || options == nil {
		return refuse(ErrMalformed, errors.New("document has no single proof object"))
	}
	p, err := readProof(options)
	if err != nil {
		return refuse(ErrMalformed, err)
	}

	delete(options, "proofValue")
	delete(doc, "proof")
	if proofCtx, ok := options["@context"]; ok {
		if !contextHasPrefix(doc["@context"], proofCtx) {
			return refuse(ErrBadSignature, errors.New("the document's @context does not start with the proof's"))
		}
		doc["@context"] = proofCtx
	}
	proofCanon, err := canonical(options)
	if err != nil {
		return refuse(ErrMalformed, err)
	}
	docCanon, err := canonical(doc)
	if err != nil {
		return refuse(ErrMalformed, err)
	}
	pub, err := resolve(p.verificationMethod)
	if err != nil {
		return refuse(ErrUnknownKey, err)
	}
	if len(pub) != ed25519.PublicKeySize {
		return refuse(ErrUnknownKey, errors.New("resolved key is not an Ed25519 public key"))
	}
	if !ed25519.Verify(pub, hashData(proofCanon, docCanon), p.signature) {
		return refuse(ErrBadSignature, errors.New("proof signature does not verify"))
	}
	return nil
}

// proofFields are the parts of a proof that VerifyProofJCS checks itself.
type proofFields struct {
	verificationMethod string
	signature          []byte
}

func readProof(options map[string]json.RawMessage) (proofFields, error) {
	str := func(name string) string {
		var s string
		json.Unmarshal(options[name], &s) // a missing or non-string field stays ""
		return s
	}
	if str("type") != proofType || str("cryptosuite") != cryptosuite {
		return proofFields{}, fmt.Errorf("proof is %q %q, want %s %s", str("type"), str("cryptosuite"), proofType, cryptosuite)
	}
	if str("proofPurpose") != ProofPurposeAssertion {
		return proofFields{}, fmt.Errorf("proof purpose is %q, want %s", str("proofPurpose"), ProofPurposeAssertion)
	}
	if _, ok := options["created"]; ok {
		if _, err := time.Parse(time.RFC3339, str("created")); err != nil {
			return proofFields{}, errors.New("proof created is not an RFC 3339 date-time")
		}
	}
	vm := str("verificationMethod")
	if vm == "" {
		return proofFields{}, errors.New("proof has no verificationMethod")
	}
	sig, err := decodeBase58btc(str("proofValue"))
	if err != nil {
		return proofFields{}, fmt.Errorf("proofValue: %w", err)
	}
	if len(sig) != ed25519.SignatureSize {
		return proofFields{}, fmt.Errorf("proofValue is %d bytes, want %d", len(sig), ed25519.SignatureSize)
	}
	return proofFields{verificationMethod: vm, signature: sig}, nil
}

// contextHasPrefix reports whether the document's @context starts with all
// the proof's @context values in order. Both are canonical JSON, either one
// value or an array of them, so values compare byte for byte.
func contextHasPrefix(docCtx, proofCtx json.RawMessage) bool {
	d, p := contextValues(docCtx), contextValues(proofCtx)
	if d == nil || p == nil || len(p) > len(d) {
		return false
	}
	for i := range p {
		if !bytes.Equal(d[i], p[i]) {
			return false
		}
	}
	return true
}

func contextValues(ctx json.RawMessage) []json.RawMessage {
	if len(ctx) == 0 {
		return nil
	}
	if ctx[0] != '[' {
		return []json.RawMessage{ctx}
	}
	var vs []json.RawMessage
	if json.Unmarshal(ctx, &vs) != nil {
		return nil
	}
	return vs
}

// canonical returns v as RFC 8785 canonical JSON.
func canonical(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jcs.Transform(data)
}

// hashData is SHA-256(proof configuration) followed by SHA-256(document):
// what eddsa-jcs-2022 signs.
func hashData(proofCanon, docCanon []byte) []byte {
	p, d := sha256.Sum256(proofCanon), sha256.Sum256(docCanon)
	return append(p[:], d[:]...)
}

// VerificationMethod returns the verificationMethod that names an anpei key
// in a proof: base + WellKnownPath + "#" + kid, where base is the site's
// origin such as "https://anpei.example.cn" (a trailing slash is dropped).
func VerificationMethod(base, kid string) string {
	return strings.TrimRight(base, "/") + WellKnownPath + "#" + kid
}

// Resolver returns a resolve function for VerifyProofJCS that accepts only
// verification methods made by VerificationMethod(base, kid) and looks kid up
// in keys. Its errors match ErrUnknownKey.
func Resolver(base string, keys KeySource) func(verificationMethod string) (ed25519.PublicKey, error) {
	prefix := VerificationMethod(base, "")
	return func(vm string) (ed25519.PublicKey, error) {
		kid, ok := strings.CutPrefix(vm, prefix)
		if !ok {
			return nil, refuse(ErrUnknownKey, fmt.Errorf("verification method %q is not under %s", vm, prefix))
		}
		pub, ok := keys.PublicKey(kid)
		if !ok {
			return nil, refuse(ErrUnknownKey, fmt.Errorf("key %q", kid))
		}
		return pub, nil
	}
}
