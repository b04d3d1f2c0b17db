package lecture

import "anpei/fault"

// The errors of package lecture. Those about input carry Details naming
// the field at fault.
var (
	ErrForbidden       = fault.New(fault.Forbidden, "forbidden", "您没有权限进行此操作")
	ErrNotFound        = fault.New(fault.NotFound, "live_session_not_found", "直播课不存在或您无权查看")
	ErrInvalid         = fault.New(fault.Invalid, "live_session_invalid", "直播课信息有误，请按提示修改")
	ErrMessageNotFound = fault.New(fault.NotFound, "live_message_not_found", "消息不存在")
	ErrInvalidMessage  = fault.New(fault.Invalid, "live_message_invalid", "消息内容有误")
	// ErrNotLearner: only a person on the roster watches for hours.
	ErrNotLearner = fault.New(fault.Forbidden, "not_a_learner", "只有已登记在花名册中的学员账号才能观看直播计时")
	// ErrWrongStatus: the session is not in a status that allows this.
	ErrWrongStatus = fault.New(fault.Conflict, "live_wrong_status", "直播课当前状态不允许此操作")
	// ErrTooMany: a viewer sends messages faster than ChatRates allow.
	ErrTooMany = fault.New(fault.TooMany, "live_chat_too_fast", "发言过于频繁，请稍后再发")
	// ErrChatMuted: the trainer muted the chat.
	ErrChatMuted = fault.New(fault.Conflict, "live_chat_muted", "讲师已关闭互动聊天，提问仍可发送")
	// ErrCheckOpen: a presence check is still waiting for answers.
	ErrCheckOpen = fault.New(fault.Conflict, "live_check_open", "上一次签到尚未结束，请稍后再发起")
	// ErrCheckClosed: the check's minute is over, or it is not this
	// session's.
	ErrCheckClosed = fault.New(fault.Conflict, "live_check_closed", "签到已结束，未能按时签到")
	// ErrConnNotFound: the server reported an unknown connection.
	ErrConnNotFound = fault.New(fault.NotFound, "live_connection_not_found", "直播连接不存在或已断开")
)

// Refusals of CanJoin and Connect, each with its own code.
var (
	ErrNotInAudience = fault.New(fault.Forbidden, "live_not_in_audience", "您不在本次直播课的学员范围内")
	ErrFull          = fault.New(fault.Conflict, "live_full", "直播间人数已满，请稍后再试或观看回放")
	ErrNotStarted    = fault.New(fault.Conflict, "live_not_started", "直播尚未开始，请在开播前15分钟内进入")
	ErrEnded         = fault.New(fault.Conflict, "live_ended", "直播已结束，可在课程中观看回放")
	ErrCancelled     = fault.New(fault.Conflict, "live_cancelled", "本次直播课已取消")
	ErrRemoved       = fault.New(fault.Forbidden, "live_removed", "您已被讲师移出本次直播")
)
