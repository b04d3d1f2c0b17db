package course

import "anpei/fault"

// The errors of package course. Those about input carry Details naming the
// field at fault.
var (
	// ErrInvalidPolicy: a watch policy has a missing or contradictory limit.
	ErrInvalidPolicy = fault.New(fault.Invalid, "watch_policy_invalid", "学时计算规则设置有误，请按提示修改")
	// ErrInvalidSession: a playback session cannot be opened with this input.
	ErrInvalidSession = fault.New(fault.Invalid, "playback_invalid", "播放会话参数有误，请刷新页面后重试")
	// ErrInvalidHeartbeat: a heartbeat is malformed (no sequence number or a
	// negative position).
	ErrInvalidHeartbeat = fault.New(fault.Invalid, "heartbeat_invalid", "学习进度数据有误，请刷新页面后重试")
	// ErrTooFrequent: a heartbeat came sooner than the policy's MinHeartbeat
	// after the last accepted one; nothing changed and the player may send
	// the next one later.
	ErrTooFrequent = fault.New(fault.TooMany, "heartbeat_too_frequent", "学习进度提交过于频繁，请稍后再试")
	// ErrUnknownChallenge: the answered presence challenge is not the one the
	// session is waiting for.
	ErrUnknownChallenge = fault.New(fault.Unprocessable, "challenge_unknown", "在线确认已失效，请按页面当前提示重新确认")
)
