package main

import (
	"testing"
	"time"
)

func TestWatchPolicyDailyCap(t *testing.T) {
	cases := []struct {
		hours   float64
		want    time.Duration
		wantErr bool
	}{
		{0, 4 * time.Hour, false}, // unset: 8 学时 of 30 minutes
		{8, 4 * time.Hour, false},
		{6, 3 * time.Hour, false},
		{0.5, 15 * time.Minute, false},
		{-1, 0, true},
		{25, 0, true},
	}
	for _, tc := range cases {
		p, err := (&settings{DailyCapHours: tc.hours}).watchPolicy()
		if (err != nil) != tc.wantErr {
			t.Errorf("%v 学时: err = %v", tc.hours, err)
			continue
		}
		if err == nil && p.DailyCap != tc.want {
			t.Errorf("%v 学时: cap %v, want %v", tc.hours, p.DailyCap, tc.want)
		}
	}
}

func TestCheckPublicURL(t *testing.T) {
	for in, ok := range map[string]bool{"": true, "https://px.qilin.gov.cn": true, "http://127.0.0.1:8080": true, "https://example.cn/anpei": true,
		"px.qilin.gov.cn": false, "ftp://x": false, "https://": false, "https://x?y=1": false, "https://u:p@x": false} {
		if err := checkPublicURL(in); (err == nil) != ok {
			t.Errorf("checkPublicURL(%q) = %v", in, err)
		}
	}
}
