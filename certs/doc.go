// Package certs owns certificates of people: the kinds (data, not code),
// their validity and review schedule, the status a certificate has on a
// given date, certificate numbers, issuance of anpei's own certificates
// (exactly once per earning exam attempt), registration of state-issued
// ones, the lifecycle (review, suspension, revocation, cancellation) with
// its history, and the public verification lookup. Signing lives in
// certs/signing and the printable document in certs/document.
package certs
