package course

import (
	"errors"
	"testing"

	"anpei/fault"
)

func TestReasonLabels(t *testing.T) {
	want := map[Reason]string{
		ReasonSeek: "拖动进度", ReasonSpeed: "超过实际时间", ReasonIdle: "未通过在线确认",
		ReasonParallel: "另一设备正在学习", ReasonCap: "已达每日学时上限", ReasonReplay: "重复或伪造的心跳",
		ReasonRewatch: "重复学习已计入内容", ReasonGap: "心跳中断", ReasonPaused: "暂停", ReasonStall: "播放未前进",
		ReasonNoMedia: "未接收到直播画面", ReasonMissedCheck: "未按时签到", ReasonSecondDevice: "另一设备同时观看直播",
	}
	all := append(Reasons(), LiveReasons()...)
	if len(all) != len(want) {
		t.Fatalf("Reasons() and LiveReasons() have %d reasons, want %d", len(all), len(want))
	}
	for _, r := range all {
		if got := r.Label(); got != want[r] || !r.Valid() {
			t.Errorf("%s.Label() = %q, want %q", r, got, want[r])
		}
	}
	if Reason("nope").Valid() || Reason("").Label() != "" {
		t.Errorf("unknown reasons must have no label")
	}
	for _, r := range all {
		if len(r) > 16 { // watch_exclusions.reason is size:16
			t.Errorf("reason %q is longer than its column", r)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatalf("DefaultPolicy().Validate() = %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*Policy)
		field string
	}{
		{"negative min", func(p *Policy) { p.MinHeartbeat = -1 }, "min_heartbeat"},
		{"gap not above min", func(p *Policy) { p.MaxHeartbeatGap = p.MinHeartbeat }, "max_heartbeat_gap"},
		{"no cap", func(p *Policy) { p.DailyCap = 0 }, "daily_cap"},
		{"challenge range reversed", func(p *Policy) { p.ChallengeEvery = Range{Min: 2, Max: 1} }, "challenge_every"},
		{"challenge zero", func(p *Policy) { p.ChallengeEvery = Range{} }, "challenge_every"},
		{"no timeout", func(p *Policy) { p.ChallengeTimeout = 0 }, "challenge_timeout"},
		{"negative tolerance", func(p *Policy) { p.Tolerance = -1 }, "tolerance"},
		{"slow max rate", func(p *Policy) { p.MaxRate = 0.5 }, "max_rate"},
	}
	for _, tt := range tests {
		p := DefaultPolicy()
		tt.edit(&p)
		err := p.Validate()
		var fe *fault.Error
		if !errors.Is(err, ErrInvalidPolicy) || !errors.As(err, &fe) || len(fe.Details) != 1 || fe.Details[0].Field != tt.field {
			t.Errorf("%s: Validate() = %#v, want ErrInvalidPolicy naming %s", tt.name, err, tt.field)
		}
	}
}
