package signing

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// StatusList is a W3C Bitstring Status List (v1.0) of revocation bits: bit i
// set means the credential at index i is revoked. Index 0 is the most
// significant bit of the first byte, as the specification requires. A
// StatusList is not safe for concurrent use.
type StatusList struct {
	bits []byte
}

const (
	// MinStatusListBits is the smallest list the specification allows
	// (16 KiB), so that a list of few revocations does not reveal whose
	// credentials they are.
	MinStatusListBits = 131072
	// maxStatusListBytes bounds what DecodeStatusList inflates (16 MiB,
	// 134 million entries), against decompression bombs.
	maxStatusListBytes = 1 << 24
)

// NewStatusList returns a list of bits entries, all clear. bits is raised to
// MinStatusListBits and rounded up to a whole byte. It returns no error.
func NewStatusList(bits int) *StatusList {
	bits = max(bits, MinStatusListBits)
	return &StatusList{bits: make([]byte, (bits+7)/8)}
}

// Len returns the number of entries.
func (l *StatusList) Len() int { return len(l.bits) * 8 }

// Set sets or clears the bit at index. It returns an error starting
// "signing:" when index is outside the list.
func (l *StatusList) Set(index int, revoked bool) error {
	if index < 0 || index >= l.Len() {
		return fmt.Errorf("signing: status list index %d is outside 0..%d", index, l.Len()-1)
	}
	mask := byte(0x80) >> (index % 8)
	if revoked {
		l.bits[index/8] |= mask
	} else {
		l.bits[index/8] &^= mask
	}
	return nil
}

// Get reports whether the bit at index is set. It returns an error starting
// "signing:" when index is outside the list.
func (l *StatusList) Get(index int) (bool, error) {
	if index < 0 || index >= l.Len() {
		return false, fmt.Errorf("signing: status list index %d is outside 0..%d", index, l.Len()-1)
	}
	return l.bits[index/8]&(byte(0x80)>>(index%8)) != 0, nil
}

// Encode returns the list as the specification's encodedList: "u" (multibase
// base64url, no padding) followed by the GZIP-compressed bitstring. It
// returns no error.
func (l *StatusList) Encode() string {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
	zw.Write(l.bits)                                         // writes to memory cannot fail
	zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// DecodeStatusList parses an encodedList. It returns an error matching
// ErrMalformed when s lacks the "u" prefix, is not unpadded base64url or
// not GZIP, inflates past 16 MiB, or holds fewer than MinStatusListBits.
func DecodeStatusList(s string) (*StatusList, error) {
	rest, ok := strings.CutPrefix(s, "u")
	if !ok {
		return nil, refuse(ErrMalformed, errors.New(`encodedList does not start with "u" (base64url)`))
	}
	zipped, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil {
		return nil, refuse(ErrMalformed, fmt.Errorf("encodedList: %w", err))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		return nil, refuse(ErrMalformed, fmt.Errorf("encodedList: %w", err))
	}
	bits, err := io.ReadAll(io.LimitReader(zr, maxStatusListBytes+1))
	if err != nil {
		return nil, refuse(ErrMalformed, fmt.Errorf("encodedList: %w", err))
	}
	switch {
	case len(bits) > maxStatusListBytes:
		return nil, refuse(ErrMalformed, errors.New("encodedList inflates past 16 MiB"))
	case len(bits)*8 < MinStatusListBits:
		return nil, refuse(ErrMalformed, fmt.Errorf("encodedList holds %d bits, under %d", len(bits)*8, MinStatusListBits))
	}
	return &StatusList{bits: bits}, nil
}

// StatusListCredential returns the unsigned BitstringStatusListCredential
// that publishes l at listURL, for AddProofJCS. issuer is the issuer's URL,
// the same as the id of the issuer of the credentials it covers. Its
// credentialSubject is listURL + "#list" with the purpose "revocation". It
// returns no error.
func StatusListCredential(listURL, issuer string, validFrom time.Time, l *StatusList) map[string]any {
	return map[string]any{
		"@context":  []any{vcContext},
		"id":        listURL,
		"type":      []any{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer":    issuer,
		"validFrom": validFrom.UTC().Format(time.RFC3339),
		"credentialSubject": map[string]any{
			"id":            listURL + "#list",
			"type":          "BitstringStatusList",
			"statusPurpose": "revocation",
			"encodedList":   l.Encode(),
		},
	}
}

// StatusEntry returns the credentialStatus object that points a credential
// at its revocation bit: index in the list published at listURL. The
// specification asks that indexes be assigned at random, so that an index
// says nothing about when a certificate was issued. It returns no error.
func StatusEntry(listURL string, index int) map[string]any {
	i := strconv.Itoa(index)
	return map[string]any{
		"id":                   listURL + "#" + i,
		"type":                 "BitstringStatusListEntry",
		"statusPurpose":        "revocation",
		"statusListIndex":      i,
		"statusListCredential": listURL,
	}
}
