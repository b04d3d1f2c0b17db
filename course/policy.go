package course

import (
	"time"

	"anpei/fault"
	"anpei/hours"
)

// Policy holds the limits of watch-time accounting. The zero Policy is not
// valid; start from DefaultPolicy.
type Policy struct {
	// MinHeartbeat is the shortest accepted interval between heartbeats;
	// a sooner one is refused with ErrTooFrequent (it only protects the
	// server: crediting never depends on how often heartbeats come).
	MinHeartbeat time.Duration
	// MaxHeartbeatGap is the longest interval between heartbeats that still
	// evidences learning; a longer one is excluded as ReasonGap.
	MaxHeartbeatGap time.Duration
	// DailyCap is the most a person may be credited per day in China time.
	DailyCap time.Duration
	// ChallengeEvery bounds the random wait before the next presence
	// challenge.
	ChallengeEvery Range
	// ChallengeTimeout is how long the learner has to answer a challenge;
	// time after it, until the answer, is excluded as ReasonIdle.
	ChallengeTimeout time.Duration
	// Tolerance is the slack for network jitter: a position up to Tolerance
	// ahead of the wall clock is not yet called speeding, and the part not
	// credited for lack of wall time may be credited by the next heartbeat.
	Tolerance time.Duration
	// MaxRate is the fastest playback rate the player offers. A forward
	// jump faster than MaxRate × wall clock (+ Tolerance) is a seek, and
	// nothing of it is credited; slower is fast playback, credited up to the
	// wall clock.
	MaxRate float64
}

// Range is a closed interval of durations.
type Range struct {
	Min, Max time.Duration
}

// OnlineHour is one online 学时 under AQ 8011-2023 (package hours owns the
// conversion of credited minutes into 学时).
const OnlineHour = hours.OnlineMinutesPerHour * time.Minute

// DefaultPolicy returns the limits anpei uses unless a setting overrides
// them: heartbeats at least 1 s and at most 60 s apart (the player sends one
// every 15 s), a daily cap of 8 online 学时 (4 h), a presence challenge every
// 10 to 20 minutes with 60 s to answer, 2 s of jitter and playback up to 2×.
func DefaultPolicy() Policy {
	return Policy{
		MinHeartbeat:     200 * time.Millisecond, // a seek sends two heartbeats in quick succession
		MaxHeartbeatGap:  60 * time.Second,
		DailyCap:         8 * OnlineHour,
		ChallengeEvery:   Range{Min: 10 * time.Minute, Max: 20 * time.Minute},
		ChallengeTimeout: 60 * time.Second,
		Tolerance:        2 * time.Second,
		MaxRate:          2,
	}
}

// Validate returns ErrInvalidPolicy, with a Detail per field at fault, when a
// limit is missing or contradicts another; nil otherwise.
func (p Policy) Validate() error {
	var d []fault.Detail
	bad := func(field, msg string) { d = append(d, fault.Detail{Field: field, Message: msg}) }
	if p.MinHeartbeat < 0 {
		bad("min_heartbeat", "心跳最短间隔不能为负数")
	}
	if p.MaxHeartbeatGap <= p.MinHeartbeat {
		bad("max_heartbeat_gap", "心跳最长间隔须大于最短间隔")
	}
	if p.DailyCap <= 0 {
		bad("daily_cap", "每日学时上限须大于零")
	}
	if p.ChallengeEvery.Min <= 0 || p.ChallengeEvery.Max < p.ChallengeEvery.Min {
		bad("challenge_every", "在线确认间隔须大于零，且最长不小于最短")
	}
	if p.ChallengeTimeout <= 0 {
		bad("challenge_timeout", "在线确认的作答时限须大于零")
	}
	if p.Tolerance < 0 {
		bad("tolerance", "网络抖动容差不能为负数")
	}
	if !(p.MaxRate >= 1) { // also refuses NaN
		bad("max_rate", "最高播放倍速不能小于1")
	}
	if len(d) > 0 {
		return ErrInvalidPolicy.WithDetails(d...)
	}
	return nil
}
