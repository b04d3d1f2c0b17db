// Package ident holds the pure rules for identity documents: personal
// document numbers (GB 11643-1999 resident IDs, Hong Kong/Macau/Taiwan
// residence permits, foreign permanent-residence IDs, passports) and the
// unified social credit code of an enterprise (GB 32100-2015).
//
// Nothing here touches a database or the clock: callers pass "today" in.
// Every validation failure is an *Error whose Message is a Chinese sentence
// for the person who typed the number (RULES.md §5.1, §7).
package ident
