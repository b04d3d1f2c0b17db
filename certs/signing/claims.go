package signing

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"unicode"
)

// Claims is what a certificate's QR token states. It is public: anyone who
// scans the code reads it, so it holds only a masked name and the last four
// characters of the ID number, plus a salted hash that lets a verifier who
// holds the person's ID card confirm the number (MatchesID).
//
// The hash is deliberately short (IDHashBits, 12 bits): an 18-digit
// resident ID has only a few million candidates once its last four
// characters are known (area code × birth date, filtered by the check
// digit), so a full hash would give the number away to anyone who scans
// the code. Twelve bits still lets a verifier with the card in hand catch
// a wrong card 4095 times in 4096, while each hash value is shared by
// hundreds to thousands of the candidates, so the number cannot be
// recovered from the token.
type Claims struct {
	Number   string // certificate number
	Kind     string // kind code, such as "training_pass"
	KindName string // the kind in Chinese, such as "安全生产培训合格证明"
	Holder   string // masked name, such as "张*明"
	IDLast4  string // last four characters of the ID number
	// IDSalt is a random per-certificate salt (NewSalt) and IDHash is
	// HashID(IDSalt, id number). Both are empty when no ID is bound.
	IDSalt     string
	IDHash     string
	IssuedOn   string // "2006-01-02"
	ValidUntil string // "2006-01-02", or empty for no expiry
	Issuer     string // issuing body, in Chinese
	KeyID      string // the key that signed; set by Sign, checked by Verify
}

// NewSalt returns a fresh random salt for Claims.IDSalt and for Open Badges
// identity hashes: 9 random bytes (72 bits, plenty to make each
// certificate's hash unique) as 12 characters of unpadded base64url.
func NewSalt() string {
	b := make([]byte, 9)
	rand.Read(b) // never returns an error; it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// IDHashBits is how much of the salted ID hash a token carries.
const IDHashBits = 12

// HashID returns the first IDHashBits bits, as two base64url characters, of
// SHA-256 of the bytes of salt followed by the normalized ID number (see
// NormalizeID). A verifier recomputes it from the salt in the token and the
// number on the person's ID card.
func HashID(salt, id string) string {
	sum := sha256.Sum256([]byte(salt + NormalizeID(id)))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:IDHashBits/6]
}

// MatchesID reports, in constant time, whether id is the ID number the
// claims were issued for. It is false when the claims bind no ID.
func (c Claims) MatchesID(id string) bool {
	if c.IDSalt == "" || c.IDHash == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(HashID(c.IDSalt, id)), []byte(c.IDHash)) == 1
}

// NormalizeID prepares an ID number for hashing the way it is typed or read
// off a card: white space is removed, full-width ASCII becomes half-width and
// letters are upper-cased, so "11010519491231002x" and
// "１１０１０５１９４９１２３１００２Ｘ" hash alike. Legacy 15-digit numbers are
// not converted; pass the 18-character form (ident.ParseID does that).
func NormalizeID(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		}
		return unicode.ToUpper(r)
	}, id)
}

// SaltedHashes makes a fresh salt and, with it, the two hashes a
// certificate keeps of its holder's ID number: the short one its QR token
// carries (HashID) and the Open Badges identity hash (OBIdentityHash).
func SaltedHashes(id string) (salt, tokenHash, badgeHash string) {
	salt = NewSalt()
	return salt, HashID(salt, id), OBIdentityHash(id, salt)
}
