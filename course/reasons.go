package course

// Reason says why part of a learner's time or of a lesson was not credited.
// It is stored with every exclusion and shown to the learner as its Label.
type Reason string

// The reasons time or content is not credited.
const (
	// ReasonSeek: the position jumped (ahead faster than any playback rate,
	// backwards, or while paused); the skipped part is not credited and the
	// wall-clock time of that heartbeat interval is not either.
	ReasonSeek Reason = "seek"
	// ReasonSpeed: the position advanced faster than the wall clock; only as
	// much of the lesson as the wall clock allows is credited.
	ReasonSpeed Reason = "speed"
	// ReasonIdle: time after a presence challenge expired unanswered, until
	// it was answered.
	ReasonIdle Reason = "idle"
	// ReasonParallel: the session was superseded by a newer one of the same
	// person (another device).
	ReasonParallel Reason = "parallel"
	// ReasonCap: the daily cap (China time) was reached.
	ReasonCap Reason = "cap"
	// ReasonReplay: the heartbeat's sequence number was not greater than the
	// last accepted one, or its token was wrong.
	ReasonReplay Reason = "replay"
	// ReasonRewatch: the part of the lesson was already credited.
	ReasonRewatch Reason = "rewatch"
	// ReasonGap: no heartbeat arrived for longer than the policy's
	// MaxHeartbeatGap, so nothing evidences the time in between.
	ReasonGap Reason = "gap"
	// ReasonPaused: the player said it was paused.
	ReasonPaused Reason = "paused"
	// ReasonStall: the player said it was playing but the position advanced
	// less than the wall clock (buffering, or the end of the lesson).
	ReasonStall Reason = "stall"
	// ReasonNoMedia: a live lecture's viewer was connected but the media
	// was not reaching them (no RTCP receiver reports showed it arriving).
	ReasonNoMedia Reason = "no_media"
	// ReasonMissedCheck: a live lecture's viewer did not answer a presence
	// check (签到) within its time; the time since the check before it is
	// not credited.
	ReasonMissedCheck Reason = "missed_check"
	// ReasonSecondDevice: a live lecture's viewer received it on another
	// device at the same time; only one connection credits.
	ReasonSecondDevice Reason = "second_device"
)

// Reasons lists every reason of the watch-time engine in a stable order,
// for tables and tests.
func Reasons() []Reason {
	return []Reason{ReasonSeek, ReasonSpeed, ReasonIdle, ReasonParallel, ReasonCap,
		ReasonReplay, ReasonRewatch, ReasonGap, ReasonPaused, ReasonStall}
}

// LiveReasons lists the reasons of live lectures (package lecture) in a
// stable order.
func LiveReasons() []Reason {
	return []Reason{ReasonNoMedia, ReasonMissedCheck, ReasonSecondDevice}
}

// Label returns the reason in Chinese for the learner, or "" if r is not one
// of the reasons above.
func (r Reason) Label() string {
	switch r {
	case ReasonSeek:
		return "拖动进度"
	case ReasonSpeed:
		return "超过实际时间"
	case ReasonIdle:
		return "未通过在线确认"
	case ReasonParallel:
		return "另一设备正在学习"
	case ReasonCap:
		return "已达每日学时上限"
	case ReasonReplay:
		return "重复或伪造的心跳"
	case ReasonRewatch:
		return "重复学习已计入内容"
	case ReasonGap:
		return "心跳中断"
	case ReasonPaused:
		return "暂停"
	case ReasonStall:
		return "播放未前进"
	case ReasonNoMedia:
		return "未接收到直播画面"
	case ReasonMissedCheck:
		return "未按时签到"
	case ReasonSecondDevice:
		return "另一设备同时观看直播"
	}
	return ""
}

// Valid reports whether r is one of the reasons above.
func (r Reason) Valid() bool { return r.Label() != "" }
