package account

import "anpei/fault"

// Errors returned by the account store.
var (
	ErrBadCredentials = fault.New(fault.Unauthorized, "bad_credentials", "用户名或密码错误")
	ErrLocked         = fault.New(fault.TooMany, "account_locked", "登录失败次数过多，账号已临时锁定，请稍后再试")
	ErrDisabled       = fault.New(fault.Unauthorized, "account_disabled", "该账号已停用，请联系管理员")
	ErrNoSession      = fault.New(fault.Unauthorized, "not_logged_in", "请先登录")
	ErrSessionExpired = fault.New(fault.Unauthorized, "session_expired", "登录已过期，请重新登录")
	ErrForbidden      = fault.New(fault.Forbidden, "forbidden", "您没有权限进行此操作")
	ErrUserNotFound   = fault.New(fault.NotFound, "user_not_found", "未找到该用户")
	ErrUsernameTaken  = fault.New(fault.Conflict, "username_taken", "该用户名已被使用")
	ErrWrongPassword  = fault.New(fault.Unprocessable, "wrong_password", "原密码不正确")
	ErrPhoneTaken     = fault.New(fault.Conflict, "phone_taken", "该手机号已被其他账号使用")
)
