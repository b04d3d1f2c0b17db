// Package course will hold courses, lessons and the training-hour ledger.
// For now it holds the pure watch-time accounting engine: given a playback
// session and the heartbeats its player sends, it decides which minutes of
// real learning are credited and why every other minute is not.
//
// The engine is plain values and functions: no database, no HTTP, no
// goroutines, and the clock is always a parameter. A store will load a
// Session, call Heartbeat, Challenge or Answer, and persist the session and
// the Result's credits and exclusions in one transaction.
//
// What the server trusts: only the wall-clock time between heartbeats it has
// accepted, measured by its own clock. The playback position the player
// reports says which part of the lesson was watched, never how long; credited
// time never exceeds the wall-clock time between two accepted heartbeats, and
// only covers parts of the lesson this person has not been credited for
// before. The heartbeat token binds a heartbeat to its session and sequence
// number, which defeats replayed, reordered and cross-session heartbeats; it
// does not prove a human is watching (the nonce lives in the player), which is
// what presence challenges and the wall-clock rules are for.
//
// The player is expected to send a heartbeat about every 15 seconds, and one
// on each pause, resume and seek (the position before the seek, then the one
// after it), so that a seek costs the learner no more than the interval
// between those two heartbeats.
package course
