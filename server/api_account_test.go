package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
)

func TestLoginSessionLogout(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		h.user(account.NewUser{Username: "alice", Role: account.RoleTrainer})
		c := h.anon()
		res := c.do("POST", "/api/v1/login", map[string]string{"username": "alice", "password": "anpei-test-1"})
		if res.status != 200 {
			t.Fatalf("login = %d %s", res.status, res.body)
		}
		cookie := res.header.Get("Set-Cookie")
		for _, want := range []string{"anpei_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("Set-Cookie %q lacks %q", cookie, want)
			}
		}
		var out struct {
			User struct{ Username, Role string } `json:"user"`
			CSRF string                          `json:"csrf_token"`
		}
		res.decode(t, &out)
		if out.User.Username != "alice" || out.User.Role != "trainer" || len(out.CSRF) < 32 {
			t.Fatalf("login body = %+v", out)
		}
		c.csrf = out.CSRF
		if res := c.do("GET", "/api/v1/me", nil); res.status != 200 || !strings.Contains(res.body, out.CSRF) {
			t.Fatalf("me = %d %s", res.status, res.body)
		}
		if res := c.do("POST", "/api/v1/logout", nil); res.status != 200 {
			t.Fatalf("logout = %d %s", res.status, res.body)
		}
		if res := c.do("GET", "/api/v1/me", nil); res.status != 401 {
			t.Fatalf("me after logout = %d, want 401", res.status)
		}
		if res := h.anon().do("POST", "/api/v1/login", map[string]string{"username": "alice", "password": "wrong-pass-1"}); res.status != 401 || res.errCode() != "bad_credentials" {
			t.Fatalf("wrong password = %d %s, want 401 bad_credentials", res.status, res.body)
		}
		if res := h.anon().do("POST", "/api/v1/login", map[string]string{"username": "nobody", "password": "wrong-pass-1"}); res.status != 401 || res.errCode() != "bad_credentials" {
			t.Fatalf("unknown user = %d %s, want the same 401", res.status, res.body)
		}
	})
}

func TestCSRFRequiredForChanges(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		h.user(account.NewUser{Username: "alice", Role: account.RoleTrainer})
		c := h.login("alice")
		token := c.csrf
		for _, tc := range []struct{ name, token string }{{"missing", ""}, {"wrong", strings.Repeat("0", 64)}} {
			c.csrf = tc.token
			res := c.do("PATCH", "/api/v1/me", map[string]string{"name": "改名"})
			if res.status != 403 || res.errCode() != "csrf_token_invalid" {
				t.Fatalf("%s token: PATCH /me = %d %s, want 403 csrf_token_invalid", tc.name, res.status, res.body)
			}
			if res := c.do("POST", "/api/v1/logout", nil); res.status != 403 {
				t.Fatalf("%s token: logout = %d, want 403", tc.name, res.status)
			}
		}
		var u account.User
		gdb.Where("username = ?", "alice").First(&u)
		if u.Name == "改名" {
			t.Fatal("a change without the CSRF token was stored")
		}
		c.csrf = token
		if res := c.do("PATCH", "/api/v1/me", map[string]string{"name": "改名"}); res.status != 200 {
			t.Fatalf("with token: %d %s", res.status, res.body)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		h.user(account.NewUser{Username: "alice", Role: account.RoleTrainer})
		try := func(user, pw string) response {
			return h.anon().do("POST", "/api/v1/login", map[string]string{"username": user, "password": pw})
		}
		// Per account: the 5th wrong password locks, even the right one then gets 429.
		for i := 1; i <= 4; i++ {
			if res := try("alice", "wrong-pass-1"); res.status != 401 {
				t.Fatalf("attempt %d = %d, want 401", i, res.status)
			}
		}
		res := try("alice", "wrong-pass-1")
		if res.status != 429 || res.errCode() != "account_locked" || !strings.Contains(res.body, "后再试") {
			t.Fatalf("5th wrong password = %d %s, want 429 account_locked with the unlock time", res.status, res.body)
		}
		if res := try("alice", "anpei-test-1"); res.status != 429 {
			t.Fatalf("right password while locked = %d, want 429", res.status)
		}
		h.clock.Add(16 * time.Minute)
		if res := try("alice", "anpei-test-1"); res.status != 200 {
			t.Fatalf("after the lock lifts = %d %s, want 200", res.status, res.body)
		}

		// Per IP: 10 attempts a minute whatever the usernames.
		h2 := newHarness(t, gdb)
		for i := 0; i < 10; i++ {
			if res := h2.anon().do("POST", "/api/v1/login", map[string]string{"username": "ghost" + string(rune('a'+i)), "password": "x"}); res.status != 401 {
				t.Fatalf("ip attempt %d = %d, want 401", i+1, res.status)
			}
		}
		res = h2.anon().do("POST", "/api/v1/login", map[string]string{"username": "alice", "password": "anpei-test-1"})
		if res.status != 429 || res.header.Get("Retry-After") == "" {
			t.Fatalf("11th attempt from one IP = %d (Retry-After %q), want 429 with Retry-After", res.status, res.header.Get("Retry-After"))
		}
		h2.clock.Add(2 * time.Minute)
		if res := h2.anon().do("POST", "/api/v1/login", map[string]string{"username": "alice", "password": "anpei-test-1"}); res.status != 200 {
			t.Fatalf("after the IP throttle refills = %d %s", res.status, res.body)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		h.user(account.NewUser{Username: "alice", Role: account.RoleTrainer})
		c := h.login("alice")
		// Activity keeps the session alive up to the absolute limit.
		for i := 0; i < 5; i++ {
			h.clock.Add(90 * time.Minute)
			if res := c.do("GET", "/api/v1/me", nil); res.status != 200 {
				t.Fatalf("active session after %d×90min = %d", i+1, res.status)
			}
		}
		h.clock.Add(5 * time.Hour) // past 12h since login
		if res := c.do("GET", "/api/v1/me", nil); res.status != 401 {
			t.Fatalf("after the absolute limit = %d, want 401", res.status)
		}
		c = h.login("alice")
		h.clock.Add(2*time.Hour + time.Minute)
		res := c.do("GET", "/api/v1/me", nil)
		if res.status != 401 || res.errCode() != "session_expired" {
			t.Fatalf("idle session = %d %s, want 401 session_expired", res.status, res.body)
		}
	})
}

func TestAdminManagesUsers(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		h.user(account.NewUser{Username: "root", Role: account.RoleAdmin})
		admin := h.login("root")
		res := admin.do("POST", "/api/v1/users", map[string]any{"username": "bob", "name": "李四", "role": "trainer", "password": "first-pass-1"})
		if res.status != 201 {
			t.Fatalf("create = %d %s", res.status, res.body)
		}
		var bob userJSON
		res.decode(t, &bob)
		res = admin.do("POST", "/api/v1/users", map[string]any{"username": "bob", "name": "李四", "role": "trainer", "password": "first-pass-1"})
		if res.status != 409 || res.errCode() != "username_taken" {
			t.Fatalf("duplicate = %d %s", res.status, res.body)
		}
		res = admin.do("POST", "/api/v1/users", map[string]any{"username": "x", "name": "", "role": "boss", "password": "short"})
		if res.status != 400 || !strings.Contains(res.body, `"field":"username"`) || !strings.Contains(res.body, `"field":"role"`) || !strings.Contains(res.body, `"field":"password"`) {
			t.Fatalf("invalid user = %d %s, want 400 naming each field", res.status, res.body)
		}
		if res := admin.do("POST", "/api/v1/users/"+itoa(bob.ID)+"/password", map[string]string{"password": "reset-pass-2"}); res.status != 200 {
			t.Fatalf("reset = %d %s", res.status, res.body)
		}
		c := h.anon()
		if res := c.do("POST", "/api/v1/login", map[string]string{"username": "bob", "password": "reset-pass-2"}); res.status != 200 {
			t.Fatalf("login with reset password = %d", res.status)
		}
		if res := admin.do("PATCH", "/api/v1/users/"+itoa(bob.ID), map[string]any{"disabled": true}); res.status != 200 {
			t.Fatalf("disable = %d %s", res.status, res.body)
		}
		if res := c.do("GET", "/api/v1/me", nil); res.status != 401 {
			t.Fatalf("disabled user's session = %d, want 401", res.status)
		}
		if res := admin.do("GET", "/api/v1/users?role=trainer", nil); res.status != 200 || !strings.Contains(res.body, `"total":1`) {
			t.Fatalf("list = %d %s", res.status, res.body)
		}
		if res := admin.do("GET", "/api/v1/users?limit=5000", nil); res.status != 400 {
			t.Fatalf("limit 5000 = %d, want 400", res.status)
		}
	})
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		h.user(account.NewUser{Username: "alice", Role: account.RoleLearner, PersonID: 1})
		phone, desk := h.login("alice"), h.login("alice")
		if res := desk.do("POST", "/api/v1/me/password", map[string]string{"old_password": "nope-nope-1", "new_password": "new-pass-22"}); res.status != 422 || res.errCode() != "wrong_password" {
			t.Fatalf("wrong old password = %d %s", res.status, res.body)
		}
		if res := desk.do("POST", "/api/v1/me/password", map[string]string{"old_password": "anpei-test-1", "new_password": "new-pass-22"}); res.status != 200 {
			t.Fatalf("change = %d %s", res.status, res.body)
		}
		if res := desk.do("GET", "/api/v1/me", nil); res.status != 200 {
			t.Fatalf("own session after change = %d, want 200", res.status)
		}
		if res := phone.do("GET", "/api/v1/me", nil); res.status != 401 {
			t.Fatalf("other session after change = %d, want 401", res.status)
		}
	})
}

func TestBadInputGetsAClearError(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		h.user(account.NewUser{Username: "root", Role: account.RoleAdmin})
		admin := h.login("root")
		var before int64
		gdb.Model(&account.User{}).Count(&before)
		big := `{"username":"` + strings.Repeat("a", 2<<20) + `"}`
		tests := []struct {
			name, body, ctype string
			status            int
			code              string
		}{
			{"malformed", `{"username":`, "application/json", 400, "bad_json"},
			{"not an object", `[1,2]`, "application/json", 400, "bad_json"},
			{"wrong type", `{"username":"zed","name":"张三","role":"trainer","password":12345678}`, "application/json", 400, "bad_field_type"},
			{"unknown field", `{"username":"zed","name":"张三","role":"trainer","password":"good-pass-1","is_root":true}`, "application/json", 400, "unknown_field"},
			{"two objects", `{"username":"zed"}{"username":"zed"}`, "application/json", 400, "bad_json"},
			{"oversized", big, "application/json", 413, "body_too_large"},
			{"form instead of JSON", `username=zed`, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
			{"sql injection", `{"username":"zed'; DROP TABLE users;--","name":"张三","role":"trainer","password":"good-pass-1"}`, "application/json", 400, "invalid_user"},
			{"html injection in name", `{"username":"zed","name":"<script>alert(1)</script>","role":"trainer","password":"good-pass-1"}`, "application/json", 400, "invalid_user"},
			{"sql injection in name", `{"username":"zed","name":"Robert'); DROP TABLE users;--","role":"trainer","password":"good-pass-1"}`, "application/json", 400, "invalid_user"},
		}
		for _, tc := range tests {
			res := admin.send("POST", "/api/v1/users", strings.NewReader(tc.body), tc.ctype, true)
			if res.status != tc.status || res.errCode() != tc.code {
				t.Errorf("%s: %d %.200s, want %d %s", tc.name, res.status, res.body, tc.status, tc.code)
			}
			if !strings.Contains(res.body, `"message":"`) {
				t.Errorf("%s: no message in %s", tc.name, res.body)
			}
		}
		var after int64
		gdb.Model(&account.User{}).Count(&after)
		if after != before {
			t.Fatalf("users %d → %d: bad input stored something", before, after)
		}
		if res := admin.do("GET", "/api/v1/users/abc", nil); res.status != 400 {
			t.Errorf("non-numeric id = %d, want 400", res.status)
		}
		if res := admin.do("GET", "/api/v1/nowhere", nil); res.status != 404 || res.errCode() != "not_found" {
			t.Errorf("unknown API route = %d %s", res.status, res.body)
		}
		if res := admin.do("DELETE", "/api/v1/me", nil); res.status == 500 {
			t.Errorf("unsupported method = 500")
		}
	})
}

func TestRequestIDAndNoSecretsInLogs(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		h.user(account.NewUser{Username: "alice", Role: account.RoleTrainer})
		c := h.login("alice")
		res := c.do("GET", "/api/v1/me", nil)
		id := res.header.Get("X-Request-ID")
		if len(id) < 8 {
			t.Fatalf("X-Request-ID = %q", id)
		}
		h.anon().do("POST", "/api/v1/login", map[string]string{"username": "alice", "password": "secret-wrong-9"})
		logs := h.logs.String()
		if !strings.Contains(logs, `"request_id":"`+id+`"`) {
			t.Errorf("logs lack the request id %s", id)
		}
		for _, secret := range []string{"anpei-test-1", "secret-wrong-9", c.csrf} {
			if strings.Contains(logs, secret) {
				t.Errorf("logs contain a secret %q", secret)
			}
		}
	})
}

func TestHealthReadyMetricsOpenAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		c := h.anon()
		for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "anpei_http_requests_total", "/api/v1/openapi.json": `"openapi":"3.0.3"`} {
			c.do("GET", "/healthz", nil)
			res := c.do("GET", path, nil)
			if res.status != 200 || !strings.Contains(res.body, want) {
				t.Errorf("GET %s = %d, body lacks %q", path, res.status, want)
			}
		}
		// Every API route of the table is in the document.
		res := c.do("GET", "/api/v1/openapi.json", nil)
		for _, r := range h.srv.routes {
			if r.Page {
				continue
			}
			if !strings.Contains(res.body, `"`+pathParam.ReplaceAllString(r.Path, "{$1}")+`"`) {
				t.Errorf("openapi.json lacks %s", r.Path)
			}
		}
		sqlDB, _ := gdb.DB()
		sqlDB.Close()
		if res := c.do("GET", "/readyz", nil); res.status != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database closed = %d, want 503", res.status)
		}
	})
}

func itoa(n uint) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestLoginNextStaysOnSite(t *testing.T) {
	tests := []struct {
		next string
		ok   bool
	}{
		{"/", true}, {"/people?category=principal", true}, {"/enterprises/3", true},
		{"", false}, {"//evil.example/x", false}, {"/\\evil.example/x", false}, {"/\t/evil.example/x", false},
		{"https://evil.example/", false}, {"evil.example", false}, {"/\x00x", false}, {"/\u007f", false},
	}
	for _, tc := range tests {
		if got := localPath(tc.next); got != tc.ok {
			t.Errorf("localPath(%q) = %v, want %v", tc.next, got, tc.ok)
		}
	}
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		res := h.anon().do("GET", "/login?next=/%5Cevil.example/x", nil)
		if !strings.Contains(res.body, `name="next" value="/"`) {
			t.Errorf("login page kept a backslash next: %s", res.body[strings.Index(res.body, `name="next"`):][:60])
		}
	})
}

// TestClientIPOnlyFromTrustedProxies: X-Forwarded-For is believed only
// from a configured proxy, and the Secure cookie setting is honoured.
func TestClientIPOnlyFromTrustedProxies(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		for _, tc := range []struct {
			trusted []string
			wantIP  string
		}{{nil, "127.0.0.1"}, {[]string{"127.0.0.1"}, "203.0.113.9"}} {
			h := newHarness(t, gdb)
			h.srv.cfg.SecureCookies = tc.trusted != nil
			if err := h.srv.engine.SetTrustedProxies(tc.trusted); err != nil {
				t.Fatal(err)
			}
			name := "ip" + strings.ReplaceAll(tc.wantIP, ".", "")
			h.user(account.NewUser{Username: name, Role: account.RoleTrainer})
			c := h.anon()
			req, _ := http.NewRequest("POST", h.ts.URL+"/api/v1/login", strings.NewReader(`{"username":"`+name+`","password":"anpei-test-1"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			res, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if secure := strings.Contains(res.Header.Get("Set-Cookie"), "Secure"); secure != h.srv.cfg.SecureCookies {
				t.Errorf("Secure cookie = %v, want %v", secure, h.srv.cfg.SecureCookies)
			}
			var ip string
			gdb.Table("audit_entries").Select("ip").Where("action = ? AND actor_name = ?", "login", name).Scan(&ip)
			if ip != tc.wantIP {
				t.Errorf("trusted %v: audit IP = %q, want %q", tc.trusted, ip, tc.wantIP)
			}
		}
	})
}
