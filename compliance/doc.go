// Package compliance is the rules engine of the certified-on-duty rate and
// of every gap behind it (issue 7; RULES.md §1–3, §6, §8). It is pure: an
// Engine built once from the certificate kinds and the reason table
// (data/reasons.tsv) evaluates plain inputs — a Person, their Certs and
// their Training progress — on a date into a Result: a status (合规 / 即将
// 到期 / 不合规), the reasons with their rule and article, and the flags
// that place the person in each rate. A Tally sums Results into rates
// with their counts. Storage, scopes and views build on it elsewhere.
//
// # The date
//
// The date is a parameter, read as a China-time calendar day; nothing
// reads the clock. The inputs describe the person as of that date
// (PersonFromRoster replays the duty history up to it; certificates issued
// after it are ignored). Certificate states and training progress are
// whatever the caller passes: for a past date the caller passes the
// progress as of that date (hours.Evaluate takes the date) and, where it
// matters, the certificate states as they were.
//
// # Who is evaluated
//
// Only people on duty on the date (roster.DutyOn, started and returned by
// then). Off-duty and pending people get StatusNone and count in no rate.
//
// # Certified on duty (持证上岗率)
//
// Denominator: the people who must hold a licence now; numerator: those
// who hold one that counts (valid, or in its review or renewal window —
// certs.Status.Holds — and verified when Options.RequireVerified).
//
//   - Special operators: a 特种作业操作证 for each registered operation
//     item, from the first day on duty (Safety Law Art.30; 30号令第5条). A
//     missing, expired, lapsed, suspended, revoked or cancelled licence
//     for an item is a 重大事故隐患.
//   - Principals and safety managers of Safety Law Art.27 ¶2 units
//     (Industry.AssessmentRequired, and every high-risk unit): the 安全合格
//     证. Within 6 months of taking office the person is not yet in the
//     denominator unless already certified, with manager_unassessed as 即
//     将到期 and the deadline (3号令第24条; the hours table uses the same
//     6 months for the other Art.27 ¶2 industries, a [C] setting). After
//     them: manager_unassessed in a high-risk unit (a 重大事故隐患,
//     RULES §3, §6) and no_certificate in the others, or the reason of the
//     certificate they have.
//
// Overall counts each person once: certified when certified in every
// category due.
//
// # Pre-job training (岗前培训率)
//
// "先培训后上岗": the obligations that must be met before (re)starting a
// post — the pre-job hours of a new hire (new_hire), the workshop- and
// team-level retraining after a transfer or a return after a year or more
// (transfer, return: 3号令第17条), the initial training of a principal or
// safety manager (appointment, within 6 months: 3号令第9条), and the
// practical re-test of a special operator back after 6 months or more
// (30号令第32条). An obligation enters the denominator once it is done or
// its last day has passed; the numerator is the people with every such
// obligation done. An undone obligation past its last day is 不合规; one
// undone within its AlertDays before the last day is 即将到期 and not yet
// counted. For training the last day is the requirement's Due (the 上岗 or
// transfer day itself still counts, as in package hours); the re-test is
// owed from the 返岗 day. Which requirements are passed sets the horizon:
// hours.Derive for the year of the date gives the people who started,
// transferred or returned in that year (and the appointment window), so
// the rate reads "of this year's starters". The re-test belongs to the
// current spell on duty, whenever it began.
//
// # Annual hours (年度学时完成率)
//
// 3号令 (Art.9, 13) and 安委〔2012〕10号 set hours per calendar year, not a
// pace within it, so being behind in June is no gap: an annual requirement
// is in progress until its last AlertDays (30 in the hours table: from 1
// December), then 即将到期, and 不合规 only after 31 December, when the
// year's window has closed short. The rate is year to date: the
// denominator is the people with an annual requirement whose year has
// begun, the numerator those who have done all of them. Pass the
// requirement of the year of the date for this year's progress (the 31
// December figure is the year's result); pass the previous year's too to
// keep last year's shortfalls on the list as 不合规 (they then count the
// person as not done). People in their first year owe the initial training
// instead (hours.Derive), so they are in no annual denominator.
//
// # Invariants the tests hold
//
// For certified and pre-job: a person is in the denominator but not the
// numerator exactly when they have a 不合规 reason counting against that
// measure. For annual: a 不合规 annual reason puts the person in the
// denominator and not the numerator. A 即将到期 reason never takes a person
// out of a numerator. Only 不合规 reasons are 重大事故隐患.
package compliance
