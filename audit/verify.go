package audit

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// VerifyResult is the outcome of Verify. When OK is false, BrokenSeq is the
// first entry found wrong (0 when the head row itself is missing) and
// Reason says what is wrong, in Chinese, for the administrator.
type VerifyResult struct {
	Checked   int    `json:"checked"`
	OK        bool   `json:"ok"`
	BrokenSeq uint64 `json:"broken_seq,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// verifyBatch is how many entries Verify reads per query.
const verifyBatch = 1000

// Verify walks the whole ledger in Seq order and checks that sequence
// numbers run 1, 2, 3… without gaps, that every entry's PrevHash is the
// Hash of the entry before it, that every Hash matches the entry's content,
// and that the head names the last entry. It stops at the first problem.
//
// Verify needs no transaction and may run while stores append: it checks
// the chain up to the head it reads first, and entries committed later are
// left for the next run. A broken chain is a result, not an error; Verify
// returns an "audit: ..." error only when the database fails or ctx ends.
func Verify(ctx context.Context, db *gorm.DB) (VerifyResult, error) {
	return verify(ctx, db, verifyBatch)
}

func verify(ctx context.Context, db *gorm.DB, batch int) (VerifyResult, error) {
	db = db.WithContext(ctx)
	h, found, err := readHead(db)
	if err != nil {
		return VerifyResult{}, err
	}
	if !found {
		return broken(0, 0, "链头记录缺失，无法确认账本是否完整"), nil
	}

	// Every entry up to h.Seq committed no later than h did, so walking
	// 1..h.Seq sees a complete chain however many appends run meanwhile.
	var (
		checked  int
		lastSeq  uint64
		lastHash string
	)
	for lastSeq < h.Seq {
		var entries []Entry
		err := db.Where("seq > ? AND seq <= ?", lastSeq, h.Seq).
			Order("seq").Limit(batch).Find(&entries).Error
		if err != nil {
			return VerifyResult{}, fmt.Errorf("audit: verify: read entries after %d: %w", lastSeq, err)
		}
		if len(entries) == 0 {
			break
		}
		for i := range entries {
			e := &entries[i]
			switch {
			case e.Seq != lastSeq+1:
				return broken(checked, lastSeq+1, missing(lastSeq+1, e.Seq-1)+"（序号不连续）"), nil
			case e.PrevHash != lastHash && e.Seq == 1:
				return broken(checked, e.Seq, "第 1 条记录的前序哈希不为空，可能被篡改"), nil
			case e.PrevHash != lastHash:
				return broken(checked, e.Seq, fmt.Sprintf("第 %d 条记录的前序哈希与第 %d 条不符", e.Seq, lastSeq)), nil
			case chainHash(e) != e.Hash:
				return broken(checked, e.Seq, fmt.Sprintf("第 %d 条记录的内容与其哈希不符，可能被篡改", e.Seq)), nil
			}
			checked++
			lastSeq, lastHash = e.Seq, e.Hash
		}
	}
	if lastSeq < h.Seq {
		return broken(checked, lastSeq+1, missing(lastSeq+1, h.Seq)+fmt.Sprintf("（链头记到第 %d 条）", h.Seq)), nil
	}
	if h.Hash != lastHash {
		if h.Seq == 0 {
			return broken(checked, 0, "账本为空但链头哈希不为空，链头可能被篡改"), nil
		}
		return broken(checked, h.Seq, fmt.Sprintf("链头哈希与第 %d 条记录不符，链头可能被篡改", h.Seq)), nil
	}
	return checkBeyondHead(db, checked)
}

// checkBeyondHead looks for entries the head does not cover: forged
// entries appended without moving the head, or a head moved back. It reads
// the highest Seq before it rereads the head: an honest entry is committed
// together with a head at least as high, and the head never moves back, so
// an entry above the reread head cannot be an append that raced the check.
func checkBeyondHead(db *gorm.DB, checked int) (VerifyResult, error) {
	var bounds struct{ Min, Max *uint64 }
	err := db.Model(&Entry{}).Select("MIN(seq) AS min, MAX(seq) AS max").Scan(&bounds).Error
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: read sequence bounds: %w", err)
	}
	if bounds.Max == nil {
		return VerifyResult{Checked: checked, OK: true}, nil
	}
	if *bounds.Min == 0 {
		return broken(checked, 0, "存在序号为 0 的记录，可能是伪造的"), nil
	}
	h, found, err := readHead(db)
	if err != nil {
		return VerifyResult{}, err
	}
	if !found {
		return broken(checked, 0, "链头记录缺失，无法确认账本是否完整"), nil
	}
	if *bounds.Max > h.Seq {
		return broken(checked, h.Seq+1, fmt.Sprintf("第 %d 条及之后的记录超出链头记载的范围（链头只记到第 %d 条），可能是伪造的，或链头被篡改", h.Seq+1, h.Seq)), nil
	}
	return VerifyResult{Checked: checked, OK: true}, nil
}

// readHead returns the head row; found is false when it is missing.
func readHead(db *gorm.DB) (h head, found bool, err error) {
	res := db.Where("id = ?", headID).Limit(1).Find(&h)
	if res.Error != nil {
		return head{}, false, fmt.Errorf("audit: read chain head: %w", res.Error)
	}
	return h, res.RowsAffected == 1, nil
}

func broken(checked int, seq uint64, reason string) VerifyResult {
	return VerifyResult{Checked: checked, BrokenSeq: seq, Reason: reason}
}

func missing(from, to uint64) string {
	if from == to {
		return fmt.Sprintf("缺少第 %d 条记录", from)
	}
	return fmt.Sprintf("缺少第 %d 至第 %d 条记录", from, to)
}
