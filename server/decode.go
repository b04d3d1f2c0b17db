package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"anpei/fault"
)

// decode reads one JSON object into dst, strictly: the content type must be
// JSON, unknown fields and trailing data are refused, a wrong type names
// its field, an oversized body is 413. Returns a *fault.Error.
func decode(c *gin.Context, dst any) error {
	ct := c.GetHeader("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return errNotJSON
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if isMaxBytes(err) {
			return errTooLarge
		}
		return errBadJSON
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errBadJSON.WithMessage("请求内容只能包含一个 JSON 对象")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errBadJSON.WithMessage("请求内容只能包含一个 JSON 对象")
	}
	return nil
}

func jsonError(err error) *fault.Error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var own *fault.Error
	switch {
	case errors.As(err, &own):
		// A value's own UnmarshalJSON said what is wrong (e.g. a score
		// with two decimals).
		return own
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return errBadJSON.WithMessage("请求内容应为 JSON 对象")
		}
		msg := fmt.Sprintf("字段 %s 的类型不正确（应为%s）", field, jsonTypeName(typeErr.Type.Kind().String()))
		return fault.New(fault.Invalid, "bad_field_type", msg).WithDetails(fault.Detail{Field: field, Message: msg})
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errBadJSON
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		msg := fmt.Sprintf("不认识的字段 %s", field)
		return fault.New(fault.Invalid, "unknown_field", msg).WithDetails(fault.Detail{Field: field, Message: msg})
	}
	return errBadJSON
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "文本"
	case "bool":
		return "true 或 false"
	case "slice", "array":
		return "数组"
	case "struct", "map":
		return "对象"
	}
	if strings.HasPrefix(kind, "int") || strings.HasPrefix(kind, "uint") || strings.HasPrefix(kind, "float") {
		return "数字"
	}
	return kind
}

// idParam parses the :id path parameter.
func idParam(c *gin.Context) (uint, error) {
	n, err := strconv.ParseUint(c.Param("id"), 10, 32)
	if err != nil || n == 0 {
		return 0, errBadID
	}
	return uint(n), nil
}

func parseID(v string) (uint, error) {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 {
		return 0, errBadID
	}
	return uint(n), nil
}

// page reads limit and offset (contract: default 50, at most 1000).
func page(c *gin.Context) (limit, offset int, err error) {
	limit, offset = 50, 0
	if v := c.Query("limit"); v != "" {
		limit, err = strconv.Atoi(v)
		if err != nil || limit < 1 || limit > 1000 {
			return 0, 0, fault.Field("bad_limit", "limit", "limit 应为 1 到 1000 之间的整数")
		}
	}
	if v := c.Query("offset"); v != "" {
		offset, err = strconv.Atoi(v)
		if err != nil || offset < 0 {
			return 0, 0, fault.Field("bad_offset", "offset", "offset 应为不小于 0 的整数")
		}
	}
	return limit, offset, nil
}

// list is the contract's list envelope.
type list[T any] struct {
	Items []T   `json:"items"`
	Total int64 `json:"total"`
}
