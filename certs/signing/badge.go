package signing

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// The JSON-LD contexts of a VC 2.0 Open Badges 3.0 credential.
const (
	vcContext = "https://www.w3.org/ns/credentials/v2"
	obContext = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
)

// The Open Badges 3.0 achievement types anpei issues.
const (
	AchievementCertificate = "Certificate" // 培训合格证明
	AchievementLicense     = "License"     // 操作证 and other licences
)

// BadgeInput is what OpenBadgeCredential needs to describe one certificate.
type BadgeInput struct {
	ID         string    // URL of the credential, e.g. https://host/verify/NUMBER
	IssuerID   string    // URL of the issuer profile
	IssuerName string    // issuing body, in Chinese
	ValidFrom  time.Time // issue time
	ValidUntil time.Time // zero for no expiry
	Name       string    // credential name shown by wallets

	// The holder is identified by OBIdentityHash(IDNumber, IDSalt); the
	// number itself never appears in the credential. A caller that no
	// longer holds the number (it is sealed at rest) passes the hash it
	// computed at issue time as IdentityHash instead, which then wins. IDSalt
	// is a random salt (NewSalt); it is published so that someone holding
	// the ID card can check the hash.
	IDNumber     string
	IDSalt       string
	IdentityHash string

	AchievementID          string // URL of the certificate kind
	AchievementName        string
	AchievementDescription string
	CriteriaNarrative      string // what the holder had to do
	AchievementType        string // AchievementCertificate or AchievementLicense

	// StatusListURL and StatusIndex give the credential's revocation bit;
	// with an empty URL the credential has no credentialStatus.
	StatusListURL string
	StatusIndex   int
}

// OpenBadgeCredential returns the unsigned Open Badges 3.0
// OpenBadgeCredential (a W3C VC 2.0 document) for in, for AddProofJCS. The
// recipient is identified only by a salted hash of the ID number, with
// identityType "nationalIdentityNumber". It returns no error; a field left
// empty in in is left empty in the document.
func OpenBadgeCredential(in BadgeInput) map[string]any {
	vc := map[string]any{
		"@context": []any{vcContext, obContext},
		"id":       in.ID,
		"type":     []any{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer": map[string]any{
			"id":   in.IssuerID,
			"type": []any{"Profile"},
			"name": in.IssuerName,
		},
		"validFrom": in.ValidFrom.UTC().Format(time.RFC3339),
		"name":      in.Name,
		"credentialSubject": map[string]any{
			"type":       []any{"AchievementSubject"},
			"identifier": []any{identityObject(in)},
			"achievement": map[string]any{
				"id":              in.AchievementID,
				"type":            []any{"Achievement"},
				"name":            in.AchievementName,
				"description":     in.AchievementDescription,
				"criteria":        map[string]any{"narrative": in.CriteriaNarrative},
				"achievementType": in.AchievementType,
			},
		},
	}
	if !in.ValidUntil.IsZero() {
		vc["validUntil"] = in.ValidUntil.UTC().Format(time.RFC3339)
	}
	if in.StatusListURL != "" {
		vc["credentialStatus"] = StatusEntry(in.StatusListURL, in.StatusIndex)
	}
	return vc
}

// identityObject is the Open Badges IdentityObject naming the holder by a
// salted hash of the ID number.
func identityObject(in BadgeInput) map[string]any {
	hash := in.IdentityHash
	if hash == "" {
		hash = OBIdentityHash(in.IDNumber, in.IDSalt)
	}
	obj := map[string]any{
		"type":         "IdentityObject",
		"identityHash": hash,
		"identityType": "nationalIdentityNumber",
		"hashed":       true,
	}
	if in.IDSalt != "" {
		obj["salt"] = in.IDSalt
	}
	return obj
}

// OBIdentityHash returns an Open Badges IdentityHash of an ID number:
// "sha256$" and the lower-case hex SHA-256 of the normalized number (see
// NormalizeID) followed by salt, both UTF-8, as Open Badges 3.0 specifies.
func OBIdentityHash(id, salt string) string {
	sum := sha256.Sum256([]byte(NormalizeID(id) + salt))
	return "sha256$" + hex.EncodeToString(sum[:])
}
