package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
)

// Redacted replaces the value of every denied key in Before and After.
const Redacted = "[redacted]"

// isDenied reports whether values under key k never reach the ledger. Keys
// are compared without case, "_" and "-", so "id_number", "IDNumber" and
// "idNumber" all match. Stores should not hand secrets to Record in the
// first place; this is the second line of defence.
func isDenied(k string) bool {
	norm := strings.Map(func(r rune) rune {
		if r == '_' || r == '-' {
			return -1
		}
		return unicode.ToLower(r)
	}, k)
	switch norm {
	case "password", "passwordhash", "oldpassword", "newpassword",
		"idnumber", "idcipher", "idhash",
		"token", "secret", "csrftoken":
		return true
	}
	return false
}

// encodeState returns v as JSON with denied keys redacted at any depth, or
// "" for nil (and for a typed nil pointer, which marshals to null).
func encodeState(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	raw, err := marshal(v)
	if err != nil {
		return "", err
	}
	if string(raw) == "null" {
		return "", nil
	}
	if raw[0] != '{' && raw[0] != '[' {
		return string(raw), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep numbers exactly as written
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return "", err
	}
	if !redact(tree) {
		return string(raw), nil
	}
	raw, err = marshal(tree)
	if err != nil {
		return "", err
	}
	return string(raw), nil
}

// redact replaces denied keys' values in place and reports whether it
// replaced any.
func redact(v any) bool {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if isDenied(k) {
				v[k] = Redacted
				changed = true
				continue
			}
			if redact(child) {
				changed = true
			}
		}
	case []any:
		for _, child := range v {
			if redact(child) {
				changed = true
			}
		}
	}
	return changed
}

// marshal is json.Marshal without HTML escaping, so names with "<" or "&"
// stay readable in the ledger.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
