package live

import (
	"path/filepath"
	"testing"
	"time"

	"anpei/live/record"
)

// TestRecordRoom: a recording started before the publisher arrives holds
// the camera with the microphone in one WebM file whose tracks have the
// frames sent; stopping it writes the manifest; stopping twice is a no-op.
func TestRecordRoom(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("rec")
	dir := filepath.Join(t.TempDir(), "recording")
	if err := room.Record(dir); err != nil {
		t.Fatal(err)
	}
	if err := room.Record(dir); err != ErrRecording {
		t.Fatalf("a second Record = %v, want ErrRecording", err)
	}
	startRecordablePublisher(t, room, 30)
	waitFor(t, 10*time.Second, "publisher media at the node", func() bool { return n.Stats().PacketsIn > 100 })
	time.Sleep(2 * time.Second)
	path, err := room.StopRecording()
	if err != nil || path != filepath.Join(dir, record.ManifestFile) {
		t.Fatalf("StopRecording = %q, %v", path, err)
	}
	m, err := record.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Complete || len(m.Segments) != 1 || m.Segments[0].Kind != record.Camera {
		t.Fatalf("manifest = %+v", m)
	}
	var video, audio int64
	for _, tr := range m.Segments[0].Tracks {
		switch tr.Type {
		case "video":
			video = tr.Frames
		case "audio":
			audio = tr.Frames
		}
	}
	// 30 frames/s and 50 Opus packets/s for about two seconds.
	if video < 20 || audio < 40 {
		t.Fatalf("recorded %d video frames and %d audio packets: %+v", video, audio, m.Segments[0])
	}
	if again, err := room.StopRecording(); again != "" || err != nil {
		t.Fatalf("a second StopRecording = %q, %v", again, err)
	}
}
