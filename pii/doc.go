// Package pii protects full citizen ID numbers at rest, as PIPL Art.51(3) and
// Art.13 of the Resident Identity Card Law ask: the full number is stored
// sealed with AES-256-GCM, and beside it a keyed HMAC-SHA256 hash so an exact
// lookup never has to decrypt rows.
//
// AES keys are versioned so they can be rotated: a sealed value names the
// version that sealed it, old versions stay in the Keyring for decryption, and
// the `anpei pii rotate` command re-seals rows (see NeedsReseal) in batches.
// The HMAC key is never rotated; see Hash.
//
// Masking for display is not here; it lives in package ident.
package pii
