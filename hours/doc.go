// Package hours holds the training-hour rules (学时) of RULES.md §1, §2.3
// and §3 as data, and the pure functions that turn a person's roster facts
// into requirements (Derive) and a ledger of credited minutes into progress
// against them (Evaluate). It knows no database and no HTTP.
//
// # The table
//
// data/rules.tsv has one rule per row: person categories × industry sector
// × trigger → 学时, window, counting course categories, source article and
// the RULES.md confidence tag. Rows tagged [C] are settings a deployment
// may change (Rule.Setting); ParseTable reads a deployment's own copy.
//
// # Overlaps
//
// Rules for different person categories add up: a high-risk principal who
// is also a special operator gets the principal rules (3号令 chapter 2), the
// worker rules (chapter 3, which covers special operators, Art.18) and the
// special-operation review rule. Among rules of the same trigger whose
// categories overlap, only the most specific sector applies: high_risk and
// construction over assessed over non_high_risk over any; a tie goes to the
// rule with more 学时, then to the earlier row. So a construction worker
// owes 32 pre-job 学时 (安委〔2012〕10号), not the general 24.
//
// # Counting credits
//
// Hours are computed from minutes, never stored: 30 online or 45 offline
// minutes make one 学时 (AQ 8011-2023, RULES §1.4). A minute counts toward a
// requirement when its course category is allowed and its time falls in
// the requirement's window. By default a minute counts once: Evaluate gives
// credits to requirements in order of their deadline, and only the minutes
// a requirement still needs are taken, the rest flow on. Rules that name the
// same share group in the table (the annual re-training rules) may count
// the same minutes, so a principal who is also a worker is not made to sit
// 16 + 20 annual 学时 of the same courses.
//
// # Dates
//
// The district keeps China time (UTC+8, no daylight saving). Dates of the
// roster (上岗, 离岗, review dates) are calendar dates read in their own
// location, as package roster stores them; instants (a credit's time,
// today) are read in China time. A window is [From, To): From and To are
// midnights in China time and Due is the last day that still counts.
package hours
