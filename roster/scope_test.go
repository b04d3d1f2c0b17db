package roster_test

import (
	"slices"
	"testing"

	"anpei/account"
	"anpei/roster"
)

// TestScopeMatrix runs every read and write use case as every role against
// its own tenant (enterprise A, person A) and another (B). Out-of-scope
// reads must look like missing rows; refused writes must change nothing.
func TestScopeMatrix(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		entA := e.enterprise(t, "甲化工", townA, industryA)
		entB := e.enterprise(t, "乙建筑", townB, industryB)
		personA := e.person(t, e.personInput(entA.ID, "甲的员工"))
		personB := e.person(t, e.personInput(entB.ID, "乙的员工"))

		var (
			nfE  = roster.ErrEnterpriseNotFound
			nfP  = roster.ErrPersonNotFound
			forb = roster.ErrForbidden
		)
		type expect struct {
			readEntA, readEntB       error
			readPersonA, readPersonB error
			listEnts, listPeople     []uint // IDs visible in the lists (nil with listErr)
			listErr                  error
			revealA, revealB         error
			editEntA, editEntB       error // contact phone
			editEntAName             error // a non-contact field
			createEntA, createEntB   error // an enterprise in A's / B's jurisdiction
			editPersonA, editPersonB error
			createInA, createInB     error
			dutyA, dutyB             error
			upsertA, upsertB         error
		}
		all := []uint{entA.ID, entB.ID}
		allP := []uint{personA.ID, personB.ID}
		onlyA := []uint{entA.ID}
		onlyPA := []uint{personA.ID}
		regulatorOfA := expect{
			nil, nfE, nil, nfP, onlyA, onlyPA, nil, nil, nfP,
			nil, nfE, nil, nil, forb,
			forb, nfP, forb, nfE, forb, nfP, forb, nfE,
		}
		cases := []struct {
			name string
			p    account.Principal
			want expect
		}{
			{"admin", admin, expect{
				nil, nil, nil, nil, all, allP, nil, nil, nil,
				nil, nil, nil, nil, nil,
				nil, nil, nil, nil, nil, nil, nil, nil,
			}},
			{"district regulator", districtRg, expect{
				nil, nil, nil, nil, all, allP, nil, nil, nil,
				nil, nil, nil, nil, nil,
				forb, forb, forb, forb, forb, forb, forb, forb,
			}},
			{"town regulator", townRegulator(townA), regulatorOfA},
			{"department regulator", deptRegulator(deptA), regulatorOfA},
			{"enterprise admin", entAdmin(entA.ID), expect{
				nil, nfE, nil, nfP, onlyA, onlyPA, nil, nil, nfP,
				nil, nfE, forb, forb, forb,
				nil, nfP, nil, nfE, nil, nfP, nil, nfE,
			}},
			{"learner", learner(entA.ID, personA.ID), expect{
				nil, nfE, nil, nfP, onlyA, onlyPA, nil, nil, nfP,
				forb, nfE, forb, forb, forb,
				forb, nfP, forb, nfE, forb, nfP, forb, nfE,
			}},
			{"trainer", trainer, expect{
				forb, forb, forb, forb, nil, nil, forb, forb, forb,
				forb, forb, forb, forb, forb,
				forb, forb, forb, forb, forb, forb, forb, forb,
			}},
			{"regulator without jurisdiction", account.Principal{Role: account.RoleRegulator, JurisdictionKind: account.JurisdictionTown}, expect{
				forb, forb, forb, forb, nil, nil, forb, forb, forb,
				forb, forb, forb, forb, forb,
				forb, forb, forb, forb, forb, forb, forb, forb,
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p, w := c.p, c.want
				_, err := e.store.Enterprise(e.ctx, p, entA.ID)
				wantErr(t, "read enterprise A", err, w.readEntA)
				_, err = e.store.Enterprise(e.ctx, p, entB.ID)
				wantErr(t, "read enterprise B", err, w.readEntB)
				_, err = e.store.Person(e.ctx, p, personA.ID)
				wantErr(t, "read person A", err, w.readPersonA)
				_, err = e.store.Person(e.ctx, p, personB.ID)
				wantErr(t, "read person B", err, w.readPersonB)
				_, err = e.store.DutyHistory(e.ctx, p, personB.ID)
				wantErr(t, "duty history B", err, w.readPersonB)
				_, err = e.store.MissingFrom(e.ctx, p, entB.ID, nil)
				wantErr(t, "missing from B", err, w.readEntB)

				ents, _, err := e.store.ListEnterprises(e.ctx, p, roster.EnterpriseFilter{})
				wantErr(t, "list enterprises", err, w.listErr)
				if got := entIDs(ents); w.listErr == nil && !containsExactly(got, w.listEnts, all) {
					t.Errorf("list enterprises sees %v, want %v", got, w.listEnts)
				}
				people, _, err := e.store.ListPeople(e.ctx, p, roster.PersonFilter{})
				wantErr(t, "list people", err, w.listErr)
				if got := personIDs(people); w.listErr == nil && !containsExactly(got, w.listPeople, allP) {
					t.Errorf("list people sees %v, want %v", got, w.listPeople)
				}
				// Filtering on the other tenant finds nothing rather than failing.
				people, _, err = e.store.ListPeople(e.ctx, p, roster.PersonFilter{EnterpriseID: entB.ID})
				if w.listErr == nil && w.readEntB != nil && (err != nil || len(people) != 0) {
					t.Errorf("list people of B = %d rows, %v; want none", len(people), err)
				}
				if w.listErr != nil {
					wantErr(t, "list enterprises", err, w.listErr)
				}

				_, err = e.store.RevealID(e.ctx, p, personA.ID)
				wantErr(t, "reveal A", err, w.revealA)
				_, err = e.store.RevealID(e.ctx, p, personB.ID)
				wantErr(t, "reveal B", err, w.revealB)

				phone := "0874-3000000"
				_, err = e.store.UpdateEnterprise(e.ctx, p, entA.ID, roster.EnterprisePatch{ContactPhone: &phone})
				wantErr(t, "edit enterprise A contact", err, w.editEntA)
				_, err = e.store.UpdateEnterprise(e.ctx, p, entB.ID, roster.EnterprisePatch{ContactPhone: &phone})
				wantErr(t, "edit enterprise B contact", err, w.editEntB)
				above := true
				_, err = e.store.UpdateEnterprise(e.ctx, p, entA.ID, roster.EnterprisePatch{AboveScale: &above})
				wantErr(t, "edit enterprise A size", err, w.editEntAName)

				_, err = e.store.CreateEnterprise(e.ctx, p, roster.EnterpriseInput{Name: "新公司A", CreditCode: e.creditCode(), TownCode: townA, IndustryCode: industryA})
				wantErr(t, "create enterprise in A's jurisdiction", err, w.createEntA)
				_, err = e.store.CreateEnterprise(e.ctx, p, roster.EnterpriseInput{Name: "新公司B", CreditCode: e.creditCode(), TownCode: townB, IndustryCode: industryB})
				wantErr(t, "create enterprise in B's jurisdiction", err, w.createEntB)

				pos := "班长"
				_, err = e.store.UpdatePerson(e.ctx, p, personA.ID, roster.PersonPatch{Position: &pos})
				wantErr(t, "edit person A", err, w.editPersonA)
				_, err = e.store.UpdatePerson(e.ctx, p, personB.ID, roster.PersonPatch{Position: &pos})
				wantErr(t, "edit person B", err, w.editPersonB)

				_, err = e.store.CreatePerson(e.ctx, p, e.personInput(entA.ID, "新员工A"))
				wantErr(t, "create person in A", err, w.createInA)
				_, err = e.store.CreatePerson(e.ctx, p, e.personInput(entB.ID, "新员工B"))
				wantErr(t, "create person in B", err, w.createInB)

				post := "电工班长"
				transfer := roster.DutyChange{Kind: roster.DutyTransfer, Date: today(), Position: &post}
				_, err = e.store.ChangeDuty(e.ctx, p, personA.ID, transfer)
				wantErr(t, "duty change A", err, w.dutyA)
				_, err = e.store.ChangeDuty(e.ctx, p, personB.ID, transfer)
				wantErr(t, "duty change B", err, w.dutyB)

				_, err = e.store.UpsertPeople(e.ctx, p, entA.ID, []roster.PersonInput{e.personInput(0, "导入A")})
				wantErr(t, "upsert into A", err, w.upsertA)
				_, err = e.store.UpsertPeople(e.ctx, p, entB.ID, []roster.PersonInput{e.personInput(0, "导入B")})
				wantErr(t, "upsert into B", err, w.upsertB)
			})
		}

		// The learner sees themself but nobody else of their enterprise.
		other := e.person(t, e.personInput(entA.ID, "同事"))
		_, err := e.store.Person(e.ctx, learner(entA.ID, personA.ID), other.ID)
		wantErr(t, "learner reads a colleague", err, roster.ErrPersonNotFound)
	})
}

func entIDs(rows []roster.EnterpriseRow) []uint {
	var ids []uint
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids
}

func personIDs(rows []roster.PersonRow) []uint {
	var ids []uint
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids
}

// containsExactly reports whether got, restricted to the fixture rows in
// universe (writes in earlier cases add more), equals want.
func containsExactly(got, want, universe []uint) bool {
	var seen []uint
	for _, id := range got {
		if slices.Contains(universe, id) {
			seen = append(seen, id)
		}
	}
	slices.Sort(seen)
	w := slices.Clone(want)
	slices.Sort(w)
	return slices.Equal(seen, w)
}
