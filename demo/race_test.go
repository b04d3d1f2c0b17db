//go:build race

package demo

// raceEnabled reports whether the race detector is on; it makes bcrypt and
// the database driver several times slower.
const raceEnabled = true
