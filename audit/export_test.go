package audit

// VerifyBatch is Verify reading n entries per query, so tests can cross
// batch boundaries with a few entries.
var VerifyBatch = verify
