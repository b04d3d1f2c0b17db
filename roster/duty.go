package roster

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
)

// DutyKind is a change of a person's duty (在岗状态变动).
type DutyKind string

// The duty changes. The compliance rules count from their dates: 6 months
// from appointment to be assessed, ≥6 months away means a practical
// re-test for special operators, ≥1 year away or a job change means
// retraining (RULES §1.2, §2.5, §3).
const (
	DutyAppoint  DutyKind = "appoint"  // 上岗
	DutyLeave    DutyKind = "leave"    // 离岗
	DutyTransfer DutyKind = "transfer" // 调岗
	DutyReturn   DutyKind = "return"   // 返岗
)

// DutyKinds lists the duty changes in display order.
func DutyKinds() []DutyKind { return []DutyKind{DutyAppoint, DutyLeave, DutyTransfer, DutyReturn} }

// Label is the change in Chinese, or "" for an unknown kind.
func (k DutyKind) Label() string {
	switch k {
	case DutyAppoint:
		return "上岗"
	case DutyLeave:
		return "离岗"
	case DutyTransfer:
		return "调岗"
	case DutyReturn:
		return "返岗"
	}
	return ""
}

// ParseDutyKind accepts a code or a Chinese label.
func ParseDutyKind(s string) (DutyKind, bool) { return parseEnum(s, DutyKinds(), DutyKind.Label) }

// DutyEvent is one change in a person's duty history. Events are only
// appended; they outlive moves between enterprises, so the history of one
// identity stays whole.
type DutyEvent struct {
	ID           uint      `gorm:"primaryKey" json:"id"`
	PersonID     uint      `gorm:"not null;index:idx_duty_events_person,priority:1" json:"person_id"`
	EnterpriseID uint      `gorm:"not null;index" json:"enterprise_id"`
	Kind         DutyKind  `gorm:"size:20;not null" json:"kind"`
	Date         time.Time `gorm:"not null;index:idx_duty_events_person,priority:2" json:"date"`
	Position     string    `gorm:"size:100;not null;default:''" json:"position"`
	Note         string    `gorm:"size:500;not null;default:''" json:"note"`
	ActorID      uint      `gorm:"not null;default:0" json:"actor_id"`
	ActorName    string    `gorm:"size:64;not null;default:''" json:"actor_name"`
	CreatedAt    time.Time `json:"created_at"`
}

// DutyChange is a request to record a duty change. EnterpriseID is set only
// for 上岗 in an enterprise other than the person's current one. Position,
// when set, becomes the person's post; 调岗 requires it.
type DutyChange struct {
	Kind         DutyKind
	Date         time.Time
	EnterpriseID uint
	Position     *string
	Note         string
}

// ChangeDuty records a duty change of person id and updates their status
// and dates. The date may not be after today nor before the person's
// previous change. An admin may appoint a person who is off duty (or on no
// roster) into another enterprise; enterprise admins change their own
// people.
//
// It returns ErrPersonNotFound when p may not see the person;
// ErrEnterpriseNotFound when p may not see the target enterprise;
// ErrForbidden when p may not change the people of the enterprise;
// ErrPersonInOtherEnterprise when appointing someone still on another
// enterprise's roster; ErrInvalidDutyChange with Details for a change
// impossible from the current status or a bad date; and an internal
// *fault.Error when the database fails.
func (s *Store) ChangeDuty(ctx context.Context, p account.Principal, id uint, ch DutyChange) (Person, error) {
	var after Person
	err := s.write(ctx, func(tx *gorm.DB) error {
		before, err := visiblePerson(forUpdate(tx), p, id)
		if err != nil {
			return err
		}
		target := before.EnterpriseID
		moving := ch.EnterpriseID != 0 && ch.EnterpriseID != before.EnterpriseID
		if moving {
			if ch.Kind != DutyAppoint {
				return ErrInvalidDutyChange.WithDetails(fault.Detail{Field: FieldEnterprise, Message: "只有“上岗”可以指定其他单位"})
			}
			if _, err := visibleEnterprise(tx, p, ch.EnterpriseID); err != nil {
				return err
			}
			target = ch.EnterpriseID
		}
		if !mayEditPeopleOf(p, target) {
			return ErrForbidden
		}
		if moving && onRosterElsewhere(before, target) {
			return ErrPersonInOtherEnterprise
		}
		if before.OperationItems, err = itemsOf(tx, id); err != nil {
			return err
		}
		last, err := lastEvent(tx, id)
		if err != nil {
			return err
		}
		after = before
		details := applyDutyChange(&after, ch, target, moving, last, s.Today())
		if len(details) > 0 {
			return ErrInvalidDutyChange.WithDetails(details...)
		}
		if err := savePerson(tx, &after); err != nil {
			return err
		}
		ev := DutyEvent{PersonID: id, EnterpriseID: target, Kind: ch.Kind, Date: civilDate(ch.Date),
			Position: after.Position, Note: strings.TrimSpace(ch.Note), ActorID: p.UserID, ActorName: p.Username}
		if err := insertEvents(tx, []DutyEvent{ev}); err != nil {
			return err
		}
		return record(tx, p, "change_duty", "person", id, viewOf(before),
			map[string]any{"person": viewOf(after), "event": ev})
	})
	if err != nil {
		return Person{}, err
	}
	return after, nil
}

// applyDutyChange applies ch to person, whose latest event is last (nil for
// none), and returns what is wrong with it.
func applyDutyChange(person *Person, ch DutyChange, target uint, moving bool, last *DutyEvent, today time.Time) []fault.Detail {
	var details []fault.Detail
	bad := func(field, msg string) { details = append(details, fault.Detail{Field: field, Message: msg}) }
	date := civilDate(ch.Date)
	switch {
	case ch.Date.IsZero():
		bad(FieldDate, "请填写变动日期")
	case date.After(today):
		bad(FieldDate, "变动日期不能晚于今天")
	case last != nil && date.Before(last.Date):
		bad(FieldDate, "变动日期不能早于该人员上一次变动（"+last.Date.Format(time.DateOnly)+" "+last.Kind.Label()+"）")
	}
	if utf8.RuneCountInString(strings.TrimSpace(ch.Note)) > 500 {
		bad("note", "备注不能超过500个字")
	} else if msg := textProblem("备注", ch.Note); msg != "" {
		bad("note", msg)
	}
	var position string
	if ch.Position != nil {
		position = strings.TrimSpace(*ch.Position)
		if utf8.RuneCountInString(position) > 100 {
			bad(FieldPosition, "岗位不能超过100个字")
		} else if msg := textProblem("岗位", position); msg != "" {
			bad(FieldPosition, msg)
		}
	}

	switch ch.Kind {
	case DutyAppoint:
		switch {
		case moving:
			person.EnterpriseID = target
			person.PostChangedOn = nil
		case person.EnterpriseID == 0:
			bad(FieldEnterprise, "请选择上岗单位")
		case person.DutyStatus == DutyOn:
			bad(FieldKind, "该人员已经在岗")
		case person.DutyStatus == DutyOff:
			bad(FieldKind, "该人员曾在本单位离岗，重新上岗请选择“返岗”")
		}
		if person.BirthDate != nil && !ch.Date.IsZero() && ageOn(*person.BirthDate, date) < minWorkingAge {
			bad(FieldDate, "上岗时未满16周岁，请核对日期")
		}
		person.DutyStatus, person.AppointedOn = DutyOn, &date
	case DutyLeave:
		if person.DutyStatus == DutyOff {
			bad(FieldKind, "该人员已经离岗")
		}
		person.DutyStatus, person.LeftOn = DutyOff, &date
	case DutyTransfer:
		if person.DutyStatus != DutyOn {
			bad(FieldKind, "只有在岗人员可以调岗")
		}
		if position == "" {
			bad(FieldPosition, "调岗须填写新岗位")
		}
		person.PostChangedOn = &date
	case DutyReturn:
		if person.DutyStatus != DutyOff || person.EnterpriseID == 0 {
			bad(FieldKind, "只有在本单位离岗的人员可以返岗")
		}
		person.DutyStatus, person.AppointedOn = DutyOn, &date
	default:
		bad(FieldKind, "请选择变动类型：上岗、离岗、调岗或返岗")
	}
	if position != "" && ch.Kind != DutyLeave {
		person.Position = position
	}
	return details
}

// DutyHistory returns person id's duty events, oldest first, in whatever
// enterprise they happened. It returns ErrPersonNotFound when p may not
// see the person, ErrForbidden for a principal who sees no part of the
// roster, and an internal *fault.Error when the database fails.
func (s *Store) DutyHistory(ctx context.Context, p account.Principal, id uint) ([]DutyEvent, error) {
	db := s.db.WithContext(ctx)
	if _, err := visiblePerson(db, p, id); err != nil {
		return nil, err
	}
	events := []DutyEvent{}
	if err := db.Where("person_id = ?", id).Order("date, id").Find(&events).Error; err != nil {
		return nil, fault.Wrap(err, "roster: list duty events")
	}
	return events, nil
}

// lastEvent returns person id's latest duty event, or nil.
func lastEvent(tx *gorm.DB, id uint) (*DutyEvent, error) {
	var events []DutyEvent
	if err := tx.Where("person_id = ?", id).Order("date DESC, id DESC").Limit(1).Find(&events).Error; err != nil {
		return nil, fault.Wrap(err, "roster: load last duty event")
	}
	if len(events) == 0 {
		return nil, nil
	}
	return &events[0], nil
}

// spellEvents are the events that put person, as now stored, on their
// enterprise's roster: 上岗 on AppointedOn and, for someone already gone,
// 离岗 on LeftOn.
func spellEvents(person Person, p account.Principal) []DutyEvent {
	ev := func(kind DutyKind, date *time.Time) DutyEvent {
		return DutyEvent{PersonID: person.ID, EnterpriseID: person.EnterpriseID, Kind: kind, Date: *date,
			Position: person.Position, ActorID: p.UserID, ActorName: p.Username}
	}
	if person.DutyStatus == DutyPending || person.AppointedOn == nil {
		return nil
	}
	events := []DutyEvent{ev(DutyAppoint, person.AppointedOn)}
	if person.DutyStatus == DutyOff && person.LeftOn != nil {
		events = append(events, ev(DutyLeave, person.LeftOn))
	}
	return events
}

func insertEvents(tx *gorm.DB, events []DutyEvent) error {
	if len(events) == 0 {
		return nil
	}
	if err := tx.CreateInBatches(&events, insertBatch(tx)).Error; err != nil {
		return fault.Wrap(err, "roster: insert duty events")
	}
	return nil
}
