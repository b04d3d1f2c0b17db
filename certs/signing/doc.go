// Package signing makes anpei's certificates (培训合格证明 and the like)
// verifiable by anyone, online or offline, without trusting the page that
// shows them.
//
// It holds four things:
//
//   - the Keyring: Ed25519 signing keys kept as files in a directory the
//     caller names, rotated with old keys kept for verification, and published
//     for third parties at /.well-known/anpei-keys.json (PublishedKeys,
//     LoadPublic);
//   - the compact token printed in a certificate's QR code (Sign, Verify,
//     VerifyURL, TokenFromQR), short enough for a scannable code;
//   - W3C Data Integrity proofs with the eddsa-jcs-2022 cryptosuite
//     (AddProofJCS, VerifyProofJCS), so a certificate can also be exported as
//     an Open Badges 3.0 credential (OpenBadgeCredential);
//   - W3C Bitstring Status Lists (StatusList, StatusListCredential,
//     StatusEntry) that publish revocations without revealing who checks.
//
// Verification failures are *fault.Error values with a Chinese message for
// the person who scanned the code; key-file problems are plain errors
// starting "signing:" for the operator.
package signing
