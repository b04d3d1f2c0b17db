package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"anpei/db"
	"anpei/fault"
)

// statusOf is the one table from error kind to HTTP status.
var statusOf = map[fault.Kind]int{
	fault.Internal:      http.StatusInternalServerError,
	fault.Invalid:       http.StatusBadRequest,
	fault.Unauthorized:  http.StatusUnauthorized,
	fault.Forbidden:     http.StatusForbidden,
	fault.NotFound:      http.StatusNotFound,
	fault.Conflict:      http.StatusConflict,
	fault.TooLarge:      http.StatusRequestEntityTooLarge,
	fault.Unsupported:   http.StatusUnsupportedMediaType,
	fault.Unprocessable: http.StatusUnprocessableEntity,
	fault.TooMany:       http.StatusTooManyRequests,
	fault.NoSpace:       http.StatusInsufficientStorage,
	fault.Unavailable:   http.StatusServiceUnavailable,
}

type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details []fault.Detail `json:"details,omitempty"`
}

// fail writes err as the contract's JSON error and stops the chain. An
// internal error is logged with its cause and shown as a bare message,
// unless it says the database is unreachable: that is answered 503 with
// Retry-After and a message saying so.
func (s *Server) fail(c *gin.Context, err error) {
	fe := s.asOutage(c, err)
	status := statusOf[fe.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	body := errorPayload{Code: fe.Code, Message: fe.Message, Details: fe.Details}
	switch {
	case fe.Kind == fault.NoSpace:
		// The operator must free space; the user is told plainly that
		// nothing was saved.
		s.log(c).Error("storage full", "err", err)
	case status >= 500 && fe.Kind != fault.Unavailable:
		s.log(c).Error("request failed", "err", err)
		body = errorPayload{Code: "internal", Message: "服务器内部错误，请稍后重试。如问题持续，请联系管理员并提供请求编号 " + requestID(c)}
	}
	if !c.Writer.Written() {
		c.AbortWithStatusJSON(status, errorBody{Error: body})
	} else {
		c.Abort()
	}
}

// asOutage returns err as a *fault.Error (see fault.As), except that an
// internal error saying the database is unreachable (see db.Unreachable)
// becomes errUnavailable: the database is down, restarting or refusing
// work, which is not a bug and usually passes. It logs the cause of such
// an outage and tells the client when to try again.
func (s *Server) asOutage(c *gin.Context, err error) *fault.Error {
	fe := fault.As(err)
	if fe.Kind != fault.Internal || !db.Unreachable(err) {
		return fe
	}
	s.log(c).Warn("database unreachable", "err", err)
	c.Header("Retry-After", strconv.Itoa(retryAfterOutage))
	return errUnavailable
}

// Errors the HTTP layer itself raises.
var (
	errBadJSON       = fault.New(fault.Invalid, "bad_json", "请求内容不是有效的 JSON")
	errNotJSON       = fault.New(fault.Unsupported, "unsupported_media_type", "请求内容类型应为 application/json")
	errTooLarge      = fault.New(fault.TooLarge, "body_too_large", "请求内容过大")
	errCSRF          = fault.New(fault.Forbidden, "csrf_token_invalid", "页面已过期或请求来源不可信，请刷新页面后重试")
	errRouteNotFound = fault.New(fault.NotFound, "not_found", "您访问的地址不存在")
	errMethod        = fault.New(fault.Invalid, "method_not_allowed", "不支持该请求方法")
	errThrottled     = fault.New(fault.TooMany, "too_many_requests", "尝试过于频繁，请稍后再试")
	errBadID         = fault.New(fault.Invalid, "bad_id", "编号格式不正确")
	// errUnavailable answers a request the database could not serve for
	// now (see db.Unreachable).
	errUnavailable = fault.New(fault.Unavailable, "db_unavailable", "数据库暂时无法访问，请稍后重试")
)

// retryAfterOutage is the Retry-After, in seconds, of a 503 answered
// while the database is unreachable.
const retryAfterOutage = 5

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func (s *Server) log(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*slog.Logger)
	}
	return s.logger
}
