package lecture

import (
	"context"
	"encoding/json"
	"errors"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
)

// ReplayScreen is one screen share of a replay: a stored WebM file
// (SHA-256) that plays from OffsetMS of the camera file's time for
// DurationMS.
type ReplayScreen struct {
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
	OffsetMS   int64  `json:"offset_ms"`
	DurationMS int64  `json:"duration_ms"`
}

// SetReplay records that session id's recording became the replay lesson
// whose video is the stored media cameraSHA, with its screen shares.
func (s *Store) SetReplay(ctx context.Context, id uint, cameraSHA string, screens []ReplayScreen) error {
	if len(cameraSHA) != 64 {
		return ErrInvalid.WithDetails(fault.Detail{Field: "replay_media", Message: "回放视频的标识有误"})
	}
	if screens == nil {
		screens = []ReplayScreen{}
	}
	b, err := json.Marshal(screens)
	if err != nil {
		return fault.Wrap(err, "lecture: replay screens")
	}
	return s.write(ctx, func(tx *gorm.DB) error {
		var ses Session
		if err := forUpdate(tx).First(&ses, id).Error; err != nil {
			return notFound(err, ErrNotFound)
		}
		if err := tx.Model(&ses).Updates(map[string]any{"replay_media": cameraSHA, "replay_screens": string(b)}).Error; err != nil {
			return err
		}
		return record(tx, account.System(), "live.replay", id, nil, map[string]any{"replay_media": cameraSHA, "screens": len(screens)})
	})
}

// ReplayFor returns the screen shares of the replay whose camera video is
// the stored media sha, and whether sha is a replay at all. It does not
// check who asks: the caller has checked that they may see the lesson
// playing sha.
func (s *Store) ReplayFor(ctx context.Context, sha string) ([]ReplayScreen, bool, error) {
	if sha == "" {
		return nil, false, nil
	}
	var ses Session
	err := s.db.WithContext(ctx).Select("id", "replay_screens").Where("replay_media = ?", sha).Order("id").First(&ses).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, asFault(err)
	}
	var out []ReplayScreen
	if ses.ReplayScreens != "" {
		if err := json.Unmarshal([]byte(ses.ReplayScreens), &out); err != nil {
			return nil, false, fault.Wrap(err, "lecture: replay screens")
		}
	}
	return out, true, nil
}
