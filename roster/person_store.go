package roster

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
	"anpei/ident"
	"anpei/sqltext"
)

// PersonFilter selects people for ListPeople. Zero fields do not filter.
// Category matches people in any of its categories. Text matches part of
// the name or phone, or a whole document number (looked up by its hash).
// Limit defaults to DefaultLimit and is capped at MaxLimit.
type PersonFilter struct {
	EnterpriseID uint
	Category     Category
	DutyStatus   DutyStatus
	Text         string
	Limit        int
	Offset       int
}

// PersonRow is a person as lists show them, with their enterprise's name.
// Its IDCipher and IDHash are always empty.
type PersonRow struct {
	Person
	EnterpriseName string `json:"enterprise_name"`
}

// PersonPatch changes the non-nil fields of a person. Changing DocType or
// DocNumber re-checks, re-seals and re-hashes the number. Duty status and
// its dates change only through ChangeDuty.
type PersonPatch struct {
	DocType        *ident.DocType
	DocNumber      *string
	Name           *string
	Sex            *ident.Sex
	BirthDate      *time.Time
	Phone          *string
	Education      *Education
	Categories     *Category
	OperationItems *[]string
	Position       *string
	EmploymentKind *EmploymentKind
}

// rowColumns are the columns a PersonRow is read from: everything but the
// sealed number and its hash.
const rowColumns = "people.id, people.doc_type, people.id_masked, people.name, people.sex, people.birth_date, " +
	"people.phone, people.education, people.enterprise_id, people.categories, people.position, people.duty_status, " +
	"people.appointed_on, people.left_on, people.post_changed_on, people.employment_kind, people.created_at, " +
	"people.updated_at, enterprises.name AS enterprise_name"

// ListPeople returns one page of the people p may see that match f,
// ordered by name, and how many match in all. It returns ErrForbidden for
// a principal who sees no part of the roster (a trainer) and an internal
// *fault.Error when the database fails.
func (s *Store) ListPeople(ctx context.Context, p account.Principal, f PersonFilter) ([]PersonRow, int64, error) {
	sc, err := personScope(p)
	if err != nil {
		return nil, 0, err
	}
	db := s.db.WithContext(ctx)
	q := db.Model(&Person{}).Scopes(sc)
	if f.EnterpriseID != 0 {
		q = q.Where("people.enterprise_id = ?", f.EnterpriseID)
	}
	if f.Category != 0 {
		q = q.Where("people.categories & ? <> 0", uint8(f.Category))
	}
	if f.DutyStatus != "" {
		q = q.Where("people.duty_status = ?", f.DutyStatus)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		cond := "people.name LIKE ? ESCAPE '!' OR people.phone LIKE ? ESCAPE '!'"
		args := []any{sqltext.Contains(t), sqltext.Contains(t)}
		if hashes := s.idHashes(t); len(hashes) > 0 {
			cond += " OR people.id_hash IN ?"
			args = append(args, hashes)
		}
		q = q.Where("("+cond+")", args...)
	}
	q = q.Session(&gorm.Session{})

	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fault.Wrap(err, "roster: count people")
	}
	limit, offset := pageBounds(f.Limit, f.Offset)
	rows := []PersonRow{}
	err = q.Select(rowColumns).Joins("LEFT JOIN enterprises ON enterprises.id = people.enterprise_id").
		Order("people.name, people.id").Limit(limit).Offset(offset).Scan(&rows).Error
	if err != nil {
		return nil, 0, fault.Wrap(err, "roster: list people")
	}
	if err := attachItems(db, rows); err != nil {
		return nil, 0, err
	}
	return rows, total, nil
}

// idHashes returns the hashes of text read as a number of every document
// type it parses as, so an exact number finds its person.
func (s *Store) idHashes(text string) []string {
	var hashes []string
	today := s.Today()
	for _, t := range ident.DocTypes() {
		if id, err := ident.ParseID(t, text, today); err == nil {
			if h := s.keys.Hash(id.Number); !slices.Contains(hashes, h) {
				hashes = append(hashes, h)
			}
		}
	}
	return hashes
}

// HashID returns the lookup hash of a document number of type t (empty
// means a resident ID), as MissingFrom takes it. It returns an
// ErrInvalidPerson with a Detail when the number does not parse.
func (s *Store) HashID(t ident.DocType, number string) (string, error) {
	if t == "" {
		t = ident.DocResidentID
	}
	id, err := ident.ParseID(t, number, s.Today())
	if err != nil {
		return "", ErrInvalidPerson.WithDetails(fault.Detail{Field: FieldDocNumber, Message: identMessage(err)})
	}
	return s.keys.Hash(id.Number), nil
}

// Person returns person id with their operation items. It returns
// ErrPersonNotFound when there is no such person or p may not see them,
// ErrForbidden for a principal who sees no part of the roster, and an
// internal *fault.Error when the database fails.
func (s *Store) Person(ctx context.Context, p account.Principal, id uint) (Person, error) {
	db := s.db.WithContext(ctx)
	person, err := visiblePerson(db, p, id)
	if err != nil {
		return Person{}, err
	}
	if person.OperationItems, err = itemsOf(db, id); err != nil {
		return Person{}, err
	}
	return person, nil
}

// CreatePerson puts a person on the roster of in.EnterpriseID (for an
// enterprise admin, 0 means their own). If the identity is already known
// and is not on duty elsewhere, the existing person moves to this
// enterprise, keeping their history; their details are replaced by in.
//
// It returns ErrEnterpriseNotFound when p may not see the enterprise;
// ErrForbidden when p may not add people to it; ErrInvalidPerson with
// Details per field; ErrDuplicateID when the person is already on this
// enterprise's roster; ErrPersonInOtherEnterprise when they are on duty or
// awaiting duty in another enterprise; and an internal *fault.Error when
// the database fails.
func (s *Store) CreatePerson(ctx context.Context, p account.Principal, in PersonInput) (Person, error) {
	if in.EnterpriseID == 0 && p.Role == account.RoleEnterpriseAdmin {
		in.EnterpriseID = p.EnterpriseID
	}
	if in.EnterpriseID == 0 {
		return Person{}, ErrInvalidPerson.WithDetails(fault.Detail{Field: FieldEnterprise, Message: "请选择所在单位"})
	}
	var out Person
	err := s.write(ctx, func(tx *gorm.DB) error {
		if _, err := visibleEnterprise(tx, p, in.EnterpriseID); err != nil {
			return err
		}
		if !mayEditPeopleOf(p, in.EnterpriseID) {
			return ErrForbidden
		}
		items, err := operationItemSet(tx)
		if err != nil {
			return err
		}
		c, details := checkPerson(in, s.Today(), items, checkOpts{})
		if len(details) > 0 {
			return ErrInvalidPerson.WithDetails(details...)
		}
		hash := s.keys.Hash(c.id.Number)
		var existing Person
		err = forUpdate(tx).Where("id_hash = ? AND doc_type = ?", hash, c.in.DocType).Take(&existing).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			out, err = s.insertPerson(tx, p, c, hash, in.EnterpriseID)
			return err
		case err != nil:
			return fault.Wrap(err, "roster: look up identity")
		case existing.EnterpriseID == in.EnterpriseID:
			return ErrDuplicateID.WithDetails(fault.Detail{Field: FieldDocNumber, Message: ErrDuplicateID.Message})
		case onRosterElsewhere(existing, in.EnterpriseID):
			return ErrPersonInOtherEnterprise.WithDetails(fault.Detail{Field: FieldDocNumber, Message: ErrPersonInOtherEnterprise.Message})
		}
		out, err = s.joinPerson(tx, p, existing, c, in.EnterpriseID)
		return err
	})
	if err != nil {
		return Person{}, err
	}
	return out, nil
}

// onRosterElsewhere reports whether person belongs to an enterprise other
// than enterpriseID: on duty or awaiting duty there.
func onRosterElsewhere(person Person, enterpriseID uint) bool {
	return person.EnterpriseID != 0 && person.EnterpriseID != enterpriseID && person.DutyStatus != DutyOff
}

// insertPerson creates a new identity from c on enterpriseID's roster.
func (s *Store) insertPerson(tx *gorm.DB, p account.Principal, c checkedPerson, hash string, enterpriseID uint) (Person, error) {
	person, err := s.newPerson(c, hash, enterpriseID)
	if err != nil {
		return Person{}, err
	}
	if err := tx.Create(&person).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return Person{}, ErrDuplicateID
		}
		return Person{}, fault.Wrap(err, "roster: create person")
	}
	if err := insertItems(tx, itemRows(person.ID, person.OperationItems)); err != nil {
		return Person{}, err
	}
	if err := insertEvents(tx, spellEvents(person, p)); err != nil {
		return Person{}, err
	}
	return person, record(tx, p, "create", "person", person.ID, nil, viewOf(person))
}

// joinPerson moves an identity not on duty anywhere onto enterpriseID's
// roster with the details of c.
func (s *Store) joinPerson(tx *gorm.DB, p account.Principal, existing Person, c checkedPerson, enterpriseID uint) (Person, error) {
	var err error
	if existing.OperationItems, err = itemsOf(tx, existing.ID); err != nil {
		return Person{}, err
	}
	after := existing
	setProfile(&after, c.in)
	after.EnterpriseID = enterpriseID
	after.DutyStatus, after.AppointedOn, after.LeftOn, after.PostChangedOn = c.in.DutyStatus, c.in.AppointedOn, c.in.LeftOn, nil
	if after.LeftOn == nil {
		after.LeftOn = existing.LeftOn // when they left the last job still matters
	}
	if err := savePerson(tx, &after); err != nil {
		return Person{}, err
	}
	if err := replaceItems(tx, after.ID, existing.OperationItems, after.OperationItems); err != nil {
		return Person{}, err
	}
	if err := insertEvents(tx, spellEvents(after, p)); err != nil {
		return Person{}, err
	}
	return after, record(tx, p, "join", "person", after.ID, viewOf(existing), viewOf(after))
}

// UpdatePerson changes the non-nil fields of patch. Admins may change
// anyone; an enterprise admin the people of their own enterprise.
//
// It returns ErrPersonNotFound when p may not see the person; ErrForbidden
// when p may see but not change them; ErrInvalidPerson with Details per
// field; ErrDuplicateID when a new number belongs to another person; and
// an internal *fault.Error when the database fails.
func (s *Store) UpdatePerson(ctx context.Context, p account.Principal, id uint, patch PersonPatch) (Person, error) {
	var after Person
	err := s.write(ctx, func(tx *gorm.DB) error {
		before, err := visiblePerson(forUpdate(tx), p, id)
		if err != nil {
			return err
		}
		if !mayEditPeopleOf(p, before.EnterpriseID) {
			return ErrForbidden
		}
		if before.OperationItems, err = itemsOf(tx, id); err != nil {
			return err
		}
		number, err := s.keys.Open(before.IDCipher)
		if err != nil {
			return fault.Wrap(err, "roster: open ID number")
		}
		in := inputOf(before, number)
		patch.applyTo(&in)
		items, err := operationItemSet(tx)
		if err != nil {
			return err
		}
		c, details := checkPerson(in, s.Today(), items, checkOpts{keep: before.OperationItems, skipDuty: true})
		if len(details) > 0 {
			return ErrInvalidPerson.WithDetails(details...)
		}
		after = before
		setProfile(&after, c.in)
		if c.in.DocType != before.DocType || c.id.Number != number {
			if err := s.setIdentity(tx, &after, c); err != nil {
				return err
			}
		}
		if samePerson(before, after) {
			return nil
		}
		if err := savePerson(tx, &after); err != nil {
			return err
		}
		if err := replaceItems(tx, id, before.OperationItems, after.OperationItems); err != nil {
			return err
		}
		return record(tx, p, "update", "person", id, viewOf(before), viewOf(after))
	})
	if err != nil {
		return Person{}, err
	}
	return after, nil
}

// setIdentity gives person the document of c, refusing one another person
// holds.
func (s *Store) setIdentity(tx *gorm.DB, person *Person, c checkedPerson) error {
	hash := s.keys.Hash(c.id.Number)
	taken, err := exists(tx, &Person{}, "id_hash = ? AND doc_type = ? AND id <> ?", hash, c.in.DocType, person.ID)
	if err != nil {
		return err
	}
	if taken {
		return ErrDuplicateID.WithDetails(fault.Detail{Field: FieldDocNumber, Message: "该证件号码已属于名册中的另一人员，请核对"})
	}
	cipher, err := s.keys.Seal(c.id.Number)
	if err != nil {
		return fault.Wrap(err, "roster: seal ID number")
	}
	person.DocType, person.IDHash, person.IDCipher, person.IDMasked = c.in.DocType, hash, cipher, ident.MaskID(c.id.Number)
	return nil
}

// RevealID returns person id's full document number and records the
// reveal in the audit ledger. Admins, regulators in scope, the person's
// enterprise admin and the person themself may ask.
//
// It returns ErrPersonNotFound when p may not see the person, ErrForbidden
// when p may see but not reveal (or sees no part of the roster), and an
// internal *fault.Error when the number cannot be opened or the database
// fails; the number is returned only once the audit entry is committed.
func (s *Store) RevealID(ctx context.Context, p account.Principal, id uint) (string, error) {
	var number string
	err := s.write(ctx, func(tx *gorm.DB) error {
		person, err := visiblePerson(tx, p, id)
		if err != nil {
			return err
		}
		if !mayRevealID(p, person) {
			return ErrForbidden
		}
		if number, err = s.keys.Open(person.IDCipher); err != nil {
			return fault.Wrap(err, "roster: open ID number")
		}
		return record(tx, p, "reveal_id", "person", id, nil,
			map[string]any{"doc_type": person.DocType, "id_masked": person.IDMasked, "enterprise_id": person.EnterpriseID})
	})
	if err != nil {
		return "", err
	}
	return number, nil
}

// newPerson builds a new identity from c, sealing its number.
func (s *Store) newPerson(c checkedPerson, hash string, enterpriseID uint) (Person, error) {
	cipher, err := s.keys.Seal(c.id.Number)
	if err != nil {
		return Person{}, fault.Wrap(err, "roster: seal ID number")
	}
	person := Person{
		DocType: c.in.DocType, IDHash: hash, IDCipher: cipher, IDMasked: ident.MaskID(c.id.Number),
		EnterpriseID: enterpriseID, DutyStatus: c.in.DutyStatus, AppointedOn: c.in.AppointedOn, LeftOn: c.in.LeftOn,
	}
	setProfile(&person, c.in)
	return person, nil
}

// setProfile copies the descriptive fields of a checked input to person.
func setProfile(person *Person, in PersonInput) {
	person.Name, person.Sex, person.BirthDate, person.Phone = in.Name, in.Sex, in.BirthDate, in.Phone
	person.Education, person.Categories, person.Position = in.Education, in.Categories, in.Position
	person.OperationItems, person.EmploymentKind = in.OperationItems, in.EmploymentKind
}

// inputOf is person as an input, for re-validation after a patch.
func inputOf(person Person, number string) PersonInput {
	return PersonInput{
		EnterpriseID: person.EnterpriseID, DocType: person.DocType, DocNumber: number, Name: person.Name,
		Sex: person.Sex, BirthDate: person.BirthDate, Phone: person.Phone, Education: person.Education,
		Categories: person.Categories, OperationItems: person.OperationItems, Position: person.Position,
		DutyStatus: person.DutyStatus, AppointedOn: person.AppointedOn, LeftOn: person.LeftOn,
		EmploymentKind: person.EmploymentKind,
	}
}

func (patch PersonPatch) applyTo(in *PersonInput) {
	if patch.DocType != nil || patch.DocNumber != nil {
		// A new number brings its own sex and birth date.
		in.Sex, in.BirthDate = "", nil
	}
	set(&in.DocType, patch.DocType)
	set(&in.DocNumber, patch.DocNumber)
	set(&in.Name, patch.Name)
	set(&in.Sex, patch.Sex)
	if patch.BirthDate != nil {
		in.BirthDate = patch.BirthDate
	}
	set(&in.Phone, patch.Phone)
	set(&in.Education, patch.Education)
	set(&in.Categories, patch.Categories)
	set(&in.OperationItems, patch.OperationItems)
	set(&in.Position, patch.Position)
	set(&in.EmploymentKind, patch.EmploymentKind)
}

// savePerson writes every column of person.
func savePerson(tx *gorm.DB, person *Person) error {
	err := tx.Model(&Person{ID: person.ID}).Select("*").Omit("id", "created_at").Updates(person).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrDuplicateID
	}
	if err != nil {
		return fault.Wrap(err, "roster: save person")
	}
	return nil
}

// samePerson reports whether a and b hold the same stored values (the
// sealed number aside, which differs on every seal).
func samePerson(a, b Person) bool {
	return a.DocType == b.DocType && a.IDHash == b.IDHash && a.Name == b.Name && a.Sex == b.Sex &&
		sameDate(a.BirthDate, b.BirthDate) && a.Phone == b.Phone && a.Education == b.Education &&
		a.EnterpriseID == b.EnterpriseID && a.Categories == b.Categories &&
		slices.Equal(a.OperationItems, b.OperationItems) && a.Position == b.Position &&
		a.DutyStatus == b.DutyStatus && sameDate(a.AppointedOn, b.AppointedOn) && sameDate(a.LeftOn, b.LeftOn) &&
		sameDate(a.PostChangedOn, b.PostChangedOn) && a.EmploymentKind == b.EmploymentKind
}

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
