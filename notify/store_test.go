package notify

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/db/dbtest"
)

// TestInboxIsOwn: a user lists, counts and marks only their own notices;
// someone else's is "not found" and stays unread.
func TestInboxIsOwn(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		st, _ := testStore(t, gdb)
		ctx := context.Background()
		send := func(user uint, key string) {
			t.Helper()
			ok, err := st.Deliver(ctx, Notice{UserID: user, Kind: "test", Subject: "消息 " + key, Body: "正文", Link: "/certificates/1", DedupKey: key})
			if err != nil || !ok {
				t.Fatalf("deliver %s to %d: %v, %v", key, user, ok, err)
			}
		}
		for i := range 3 {
			send(learner1, fmt.Sprintf("k%d", i))
		}
		send(learner2, "k0") // the same key to another recipient is another notice
		if ok, err := st.Deliver(ctx, Notice{UserID: learner1, Kind: "test", Subject: "again", DedupKey: "k1"}); ok || err != nil {
			t.Errorf("the same key twice to one recipient: %v, %v; want false, nil", ok, err)
		}
		if _, err := st.Deliver(ctx, Notice{UserID: learner1, Kind: "test", Subject: "no key"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("notice without key: %v", err)
		}

		me, other := principal(learner1), principal(learner2)
		mine, total, err := st.Inbox(ctx, me, false, 2, 0)
		if err != nil || total != 3 || len(mine) != 2 || mine[0].Subject != "消息 k2" || mine[1].Subject != "消息 k1" {
			t.Fatalf("inbox page 1: %v (total %d), %v", mine, total, err)
		}
		if rest, _, _ := st.Inbox(ctx, me, false, 2, 2); len(rest) != 1 || rest[0].Subject != "消息 k0" {
			t.Fatalf("inbox page 2: %v", rest)
		}
		theirs, _, _ := st.Inbox(ctx, other, false, 10, 0)
		if len(theirs) != 1 {
			t.Fatalf("other inbox: %v", theirs)
		}
		for _, n := range mine {
			if n.UserID != learner1 {
				t.Errorf("user %d sees notice of %d", learner1, n.UserID)
			}
		}

		if err := st.MarkRead(ctx, me, theirs[0].ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("marking another user's notice: %v, want ErrNotFound", err)
		}
		if err := st.MarkRead(ctx, me, 999999); !errors.Is(err, ErrNotFound) {
			t.Errorf("marking a missing notice: %v, want ErrNotFound", err)
		}
		if n, _ := st.UnreadCount(ctx, other); n != 1 {
			t.Errorf("other's unread after my attempts: %d, want 1", n)
		}
		if err := st.MarkRead(ctx, me, mine[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkRead(ctx, me, mine[0].ID); err != nil {
			t.Errorf("marking read twice: %v", err)
		}
		unread, total, _ := st.Inbox(ctx, me, true, 10, 0)
		if total != 2 || len(unread) != 2 {
			t.Errorf("unread after one read: %d", total)
		}
		if n, _ := st.UnreadCount(ctx, me); n != 2 {
			t.Errorf("unread count: %d, want 2", n)
		}
		read, _, _ := st.Inbox(ctx, me, false, 1, 0)
		if read[0].ReadAt == nil || !read[0].ReadAt.Equal(today) {
			t.Errorf("read_at = %v, want %v", read[0].ReadAt, today)
		}
		if n, err := st.MarkAllRead(ctx, me); err != nil || n != 2 {
			t.Errorf("mark all read: %d, %v; want 2", n, err)
		}
		if n, _ := st.UnreadCount(ctx, me); n != 0 {
			t.Errorf("unread after mark all: %d", n)
		}
		if n, _ := st.UnreadCount(ctx, other); n != 1 {
			t.Errorf("mark all read touched another user: unread %d, want 1", n)
		}
		if _, _, err := st.Inbox(ctx, account.System(), false, 10, 0); !errors.Is(err, ErrNoInbox) {
			t.Errorf("system principal's inbox: %v", err)
		}
	})
}
