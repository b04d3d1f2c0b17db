package server

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

var pathParam = regexp.MustCompile(`:([a-z_]+)`)

// openAPIDoc builds the OpenAPI 3 document from the route table, so every
// API route is described and none is described that does not exist.
func (s *Server) openAPIDoc() map[string]any {
	paths := map[string]any{}
	for _, r := range s.routes {
		if r.Page || !strings.HasPrefix(r.Path, "/api/") && !strings.HasPrefix(r.Path, "/.well-known/") {
			continue
		}
		p := pathParam.ReplaceAllString(r.Path, "{$1}")
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		op := map[string]any{"summary": r.Summary, "responses": responses(r)}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "integer"}})
		}
		for _, q := range r.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.Req != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Req))}}}
		}
		if r.Access.public {
			op["security"] = []any{}
		} else if len(r.Access.roles) > 0 {
			roles := make([]string, len(r.Access.roles))
			for i, x := range r.Access.roles {
				roles[i] = string(x)
			}
			op["x-roles"] = roles
		}
		item[strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "安培 anpei API", "version": "1",
			"description": "麒麟区安全生产培训与考核平台接口。以会话 Cookie 认证；修改数据的请求须带 X-CSRF-Token 头。错误统一为 {\"error\":{\"code\",\"message\",\"details\"}}。"},
		"components": map[string]any{"securitySchemes": map[string]any{
			"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie}}},
		"security": []any{map[string]any{"session": []any{}}},
		"paths":    paths,
	}
}

func responses(r route) map[string]any {
	ok := map[string]any{"description": "成功"}
	if r.Resp != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Resp))}}
	}
	code := "200"
	if r.Created {
		code = "201"
	}
	return map[string]any{code: ok, "default": map[string]any{"description": "错误：{\"error\":{\"code\",\"message\",\"details\"}}"}}
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf describes a Go type as a JSON schema, following json tags.
func schemaOf(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Struct:
		props := map[string]any{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = schemaOf(f.Type)
		}
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{}
}

func (s *Server) openAPI(c *gin.Context) {
	c.JSON(http.StatusOK, s.openAPIDoc())
}
