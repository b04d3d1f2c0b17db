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

// The errors of the store's use cases.
var (
	ErrForbidden          = fault.New(fault.Forbidden, "forbidden", "您没有权限进行此操作")
	ErrCourseNotFound     = fault.New(fault.NotFound, "course_not_found", "课程不存在或您无权查看")
	ErrLessonNotFound     = fault.New(fault.NotFound, "lesson_not_found", "课时不存在或您无权查看")
	ErrPlaybackNotFound   = fault.New(fault.NotFound, "playback_not_found", "播放会话不存在或已失效，请刷新页面")
	ErrOfflineNotFound    = fault.New(fault.NotFound, "offline_training_not_found", "线下培训记录不存在或您无权查看")
	ErrPersonNotFound     = fault.New(fault.NotFound, "person_not_found", "人员不存在或您无权查看")
	ErrEnterpriseNotFound = fault.New(fault.NotFound, "enterprise_not_found", "企业不存在或您无权查看")
	ErrInvalidCourse      = fault.New(fault.Invalid, "course_invalid", "课程信息有误，请按提示修改")
	ErrInvalidLesson      = fault.New(fault.Invalid, "lesson_invalid", "课时信息有误，请按提示修改")
	ErrInvalidOffline     = fault.New(fault.Invalid, "offline_training_invalid", "线下培训记录有误，请按提示修改")
	// ErrNotPublishable: the draft lacks something learners need.
	ErrNotPublishable = fault.New(fault.Unprocessable, "course_not_publishable", "课程还不能发布，请按提示补充")
	// ErrNoDraft: there is nothing to publish.
	ErrNoDraft = fault.New(fault.Conflict, "course_no_draft", "该课程没有待发布的草稿")
	// ErrNotLearner: only a person on the roster can study for hours.
	ErrNotLearner = fault.New(fault.Forbidden, "not_a_learner", "只有已登记在花名册中的学员账号才能学习计时")
	// ErrLessonRetired: the course was republished since the page loaded.
	ErrLessonRetired = fault.New(fault.Conflict, "lesson_retired", "课程已更新，请返回课程页面重新打开本课时")
	// ErrWrongAnswer: the presence challenge was answered with the wrong code.
	ErrWrongAnswer = fault.New(fault.Unprocessable, "challenge_wrong", "确认码不正确，请点击页面上显示的数字")
)
