package course

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Sign returns the token a player puts on a heartbeat: the lowercase hex
// HMAC-SHA256, keyed with the session nonce, of the UTF-8 text
//
//	"anpei/heartbeat/v1\n" + sessionID + "\n" + seq + "\n" + positionMillis
//
// with seq and the position in whole milliseconds as decimal numbers. The
// player computes the same with Web Crypto.
func Sign(nonce []byte, sessionID string, seq uint64, pos time.Duration) string {
	m := hmac.New(sha256.New, nonce)
	m.Write([]byte("anpei/heartbeat/v1\n" + sessionID + "\n" +
		strconv.FormatUint(seq, 10) + "\n" + strconv.FormatInt(pos.Milliseconds(), 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// validToken reports, in constant time, whether token is Sign's for hb.
func validToken(nonce []byte, sessionID string, hb Heartbeat) bool {
	want := Sign(nonce, sessionID, hb.Seq, hb.Position)
	return hmac.Equal([]byte(want), []byte(hb.Token))
}

// challengeID names the n-th presence challenge of a session; it is derived,
// not random, so a stored session needs no extra secret.
func challengeID(nonce []byte, sessionID string, n int) string {
	m := hmac.New(sha256.New, nonce)
	m.Write([]byte("anpei/challenge/v1\n" + sessionID + "\n" + strconv.Itoa(n)))
	return hex.EncodeToString(m.Sum(nil))[:16]
}
