package media

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"anpei/fault"
)

// TestRealEncoderOutput checks the parsers against files written by a real
// muxer (FFmpeg), where one is installed: the hand-made fixtures only show
// the code agrees with the author's reading of the specs.
func TestRealEncoderOutput(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed")
	}
	ffprobe, _ := exec.LookPath("ffprobe")
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := t.TempDir()
	src := []string{"-f", "lavfi", "-i", "testsrc=duration=3.5:size=160x120:rate=15", "-f", "lavfi", "-i", "sine=duration=3.5"}
	type outcome struct {
		kind fault.Kind
		code string
	}
	ok := outcome{}
	tests := []struct {
		file string
		args []string
		want outcome
	}{
		{"moov-last.mp4", []string{"-c:v", "libx264", "-c:a", "aac"}, ok},
		{"faststart.mp4", []string{"-c:v", "libx264", "-c:a", "aac", "-movflags", "+faststart"}, ok},
		{"fragmented.mp4", []string{"-c:v", "libx264", "-c:a", "aac", "-movflags", "frag_keyframe"}, ok},
		// Fragmented with an empty moov says nothing about its duration.
		{"empty-moov.mp4", []string{"-c:v", "libx264", "-c:a", "aac", "-movflags", "frag_keyframe+empty_moov"}, outcome{fault.Unprocessable, "media_no_duration"}},
		{"vp8.webm", []string{"-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus"}, ok},
		{"vp9.webm", []string{"-c:v", "libvpx-vp9", "-b:v", "200k", "-c:a", "libopus"}, ok},
		{"h264.mkv", []string{"-c:v", "libx264", "-c:a", "aac"}, outcome{fault.Unsupported, "media_type_unsupported"}},
		{"h264.mov", []string{"-c:v", "libx264", "-c:a", "aac"}, outcome{fault.Unsupported, "media_type_unsupported"}},
		{"audio.m4a", []string{"-vn", "-c:a", "aac"}, outcome{fault.Unsupported, "media_type_unsupported"}},
		{"frame.png", []string{"-frames:v", "1", "-an"}, ok},
		{"frame.jpg", []string{"-frames:v", "1", "-an"}, ok},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out := filepath.Join(dir, tt.file)
			args := append(append([]string{"-loglevel", "error", "-y"}, src...), tt.args...)
			cmd := exec.Command(ffmpeg, append(args, out)...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Skipf("ffmpeg cannot write %s: %v %s", tt.file, err, msg)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			info, err := Inspect(bytes.NewReader(data), int64(len(data)))
			if tt.want.code != "" {
				wantFault(t, err, tt.want.kind, tt.want.code)
				return
			}
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if info.Kind != Video {
				return
			}
			if ffprobe != "" {
				probed := probeDuration(t, ffprobe, out)
				if diff := info.Duration - probed; diff < -50*time.Millisecond || diff > 50*time.Millisecond {
					t.Fatalf("duration %v, ffprobe says %v", info.Duration, probed)
				}
			} else if info.Duration < 3*time.Second || info.Duration > 4*time.Second {
				t.Fatalf("duration %v, want about 3.5s", info.Duration)
			}
			// The same file cut short (an interrupted upload) is refused.
			for _, frac := range []int{2, 4} {
				short := data[:len(data)-len(data)/frac/10-1]
				_, err := Inspect(bytes.NewReader(short), int64(len(short)))
				wantFault(t, err, fault.Unprocessable, "media_corrupt")
			}
		})
	}
}

func probeDuration(t *testing.T, ffprobe, path string) time.Duration {
	t.Helper()
	out, err := exec.Command(ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	secs, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe said %q", out)
	}
	return time.Duration(secs * float64(time.Second))
}
