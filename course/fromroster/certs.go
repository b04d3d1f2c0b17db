package fromroster

import (
	"context"
	"time"

	"anpei/account"
	"anpei/certs"
	"anpei/compliance"
	"anpei/course"
	"anpei/exam"
	"anpei/ident"
	"anpei/roster"
)

// CertOptions connects the certificate store to the roster (holders and
// scope), the training ledger (hours) and the exam store (passes).
func CertOptions(rs *roster.Store, cs *course.Store, es *exam.Store) certs.Options {
	sys := account.System()
	return certs.Options{
		Holder: func(ctx context.Context, id uint) (certs.Holder, error) {
			p, err := rs.Person(ctx, sys, id)
			if err != nil {
				return certs.Holder{}, err
			}
			number, err := rs.RevealID(ctx, sys, id)
			if err != nil {
				return certs.Holder{}, err
			}
			return certs.Holder{PersonID: p.ID, EnterpriseID: p.EnterpriseID, Name: p.Name, IDMasked: p.IDMasked, IDNumber: number,
				Categories: p.Categories, Items: p.OperationItems}, nil
		},
		HolderKnown: func(ctx context.Context, id uint, number string) (certs.Holder, error) {
			p, err := rs.Person(ctx, sys, id)
			if err != nil {
				return certs.Holder{}, err
			}
			parsed, err := ident.ParseID(ident.DocResidentID, number, time.Now())
			if err != nil && !ident.IsWarning(err) {
				return certs.Holder{}, err
			}
			return certs.Holder{PersonID: p.ID, EnterpriseID: p.EnterpriseID, Name: p.Name, IDMasked: p.IDMasked, IDNumber: parsed.Number,
				Categories: p.Categories, Items: p.OperationItems}, nil
		},
		PersonIDIn: roster.PersonIDIn,
		PersonByID: func(ctx context.Context, p account.Principal, number string) (uint, error) {
			return personByID(ctx, rs, p, number)
		},
		Unmet: cs.Unmet,
		Hours: func(ctx context.Context, id uint) (string, error) {
			h, err := cs.HoursOf(ctx, sys, id)
			if err != nil {
				return "", err
			}
			return "线上 " + h.OnlineHours + " 学时，线下 " + h.OfflineHours + " 学时，共 " + h.TotalHours + " 学时", nil
		},
		PassOf: func(ctx context.Context, id uint) (certs.Pass, error) {
			p, err := es.PassOf(ctx, id)
			return certPass(p), err
		},
		PassesSince: func(ctx context.Context, since time.Time, examID, after uint, limit int) ([]certs.Pass, error) {
			ps, err := es.PassesSince(ctx, since, examID, after, limit)
			out := make([]certs.Pass, len(ps))
			for i, p := range ps {
				out[i] = certPass(p)
			}
			return out, err
		},
	}
}

// personByID finds the person with resident ID number among those p may
// see, as POST /api/v1/people/lookup does: roster.ErrInvalidPerson for a
// malformed number, roster.ErrPersonNotFound when nobody in p's scope
// holds it.
func personByID(ctx context.Context, rs *roster.Store, p account.Principal, number string) (uint, error) {
	if _, err := rs.HashID("", number); err != nil { // "": a resident ID
		return 0, err
	}
	// A valid ID number matches no name or phone: the rows are the
	// holders of its hash.
	rows, _, err := rs.ListPeople(ctx, p, roster.PersonFilter{Text: number, Limit: 2})
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 {
		return 0, roster.ErrPersonNotFound
	}
	return rows[0].ID, nil
}

func certPass(p exam.Pass) certs.Pass {
	return certs.Pass{AttemptID: p.AttemptID, ExamID: p.ExamID, ExamTitle: p.ExamTitle, PersonID: p.PersonID, Kind: p.Kind,
		Score: p.Score.String() + "分", FinishedAt: p.FinishedAt, RequiredRules: p.RequiredRules}
}

// ComplianceSource gives the compliance sweep the roster, the
// certificates and the training ledger, a page of people at a time.
func ComplianceSource(rs *roster.Store, cs *course.Store, ct *certs.Store) compliance.Source {
	return compliance.Source{Subjects: rs.Subjects, Industries: rs.Industries, Certificates: ct.OfPeople, Credits: cs.CreditsOf}
}
