package signing

import (
	"slices"
	"sync"
	"testing"
)

// TestLoadOrCreateTogether: servers starting at the same moment on one
// shared key directory end with one key, the same current key and the same
// published keys, however their steps interleave.
func TestLoadOrCreateTogether(t *testing.T) {
	for round := range 20 {
		dir := t.TempDir()
		const n = 8
		rings := make([]*Keyring, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := LoadOrCreate(dir)
				if err != nil {
					t.Error(err)
					return
				}
				rings[i] = r
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		want := rings[0].KeyIDs()
		for i, r := range rings {
			if got := r.KeyIDs(); !slices.Equal(got, want) || r.Current() != rings[0].Current() {
				t.Fatalf("round %d: keyring %d has keys %v (current %s), keyring 0 %v (current %s)", round, i, got, r.Current(), want, rings[0].Current())
			}
		}
		again, err := LoadOrCreate(dir)
		if err != nil || !slices.Equal(again.KeyIDs(), want) || len(want) != 1 {
			t.Fatalf("round %d: the directory holds %v, want the one key %v", round, again.KeyIDs(), want)
		}
	}
}
