package lecture

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/fault"
	"anpei/hours"
)

// AttendanceRow is one viewer's line of the attendance report.
type AttendanceRow struct {
	Attendance
	CreditedMinutes  int    `json:"credited_minutes"`
	ReceivingMinutes int    `json:"receiving_minutes"`
	ExcludedMinutes  int    `json:"excluded_minutes"`
	Reasons          string `json:"reasons"`
	// Final is false while the session is live: the numbers so far.
	Final bool `json:"final"`
}

// Attendance returns session id's attendance for its trainer and the admin
// (every viewer), a regulator (the viewers of enterprises in their
// jurisdiction) or an enterprise admin (their enterprise's viewers), by
// name: final rows once the session ended, the numbers so far while it is
// live. Learners see their own with MyAttendance; for them and anyone else
// it returns ErrForbidden, and ErrNotFound for a session p does not see.
func (s *Store) Attendance(ctx context.Context, p account.Principal, id uint) ([]AttendanceRow, View, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, View{}, err
	}
	keep, err := s.rowScope(ctx, p, v.Session)
	if err != nil {
		return nil, View{}, err
	}
	var rows []AttendanceRow
	if v.Status == StatusEnded {
		var list []Attendance
		if err := s.db.WithContext(ctx).Where("session_id = ?", id).Order("person_id").Find(&list).Error; err != nil {
			return nil, View{}, asFault(err)
		}
		for _, a := range list {
			rows = append(rows, attendanceRow(a, true))
		}
	} else {
		outs, n, err := outcomes(s.db.WithContext(ctx), v.Session, s.now())
		if err != nil {
			return nil, View{}, asFault(err)
		}
		for _, pid := range sortedKeys(outs) {
			o := outs[pid]
			person, err := s.opt.Person(ctx, pid)
			if err != nil && fault.As(err).Kind != fault.NotFound {
				return nil, View{}, err
			}
			ex := o.Excluded()
			a := Attendance{SessionID: id, PersonID: pid, Name: person.Name, EnterpriseID: person.EnterpriseID,
				EnterpriseName: person.EnterpriseName, IDMasked: person.IDMasked, FirstJoin: o.FirstJoin, LastLeave: o.LastLeave,
				ConnectedMS: o.Connected.Milliseconds(), ReceivingMS: o.Receiving.Milliseconds(), CreditedMS: o.Credited.Milliseconds(),
				NoMediaMS: ex[course.ReasonNoMedia].Milliseconds(), MissedCheckMS: ex[course.ReasonMissedCheck].Milliseconds(),
				SecondDevMS: ex[course.ReasonSecondDevice].Milliseconds(), MissedChecks: o.MissedChecks, Checks: n}
			rows = append(rows, attendanceRow(a, false))
		}
	}
	rows = slices.DeleteFunc(rows, func(r AttendanceRow) bool { return !keep(r.EnterpriseID) })
	if rows == nil {
		rows = []AttendanceRow{}
	}
	return rows, v, nil
}

// rowScope says which enterprises' viewers p sees in a report.
func (s *Store) rowScope(ctx context.Context, p account.Principal, ses Session) (func(uint) bool, error) {
	all := func(uint) bool { return true }
	switch {
	case canManage(p, ses), p.SeesWholeDistrict():
		return all, nil
	case p.Role == account.RoleEnterpriseAdmin && p.EnterpriseID != 0:
		return func(e uint) bool { return e == p.EnterpriseID }, nil
	case p.Role == account.RoleRegulator && s.opt.Enterprises != nil:
		ids, err := s.opt.Enterprises(ctx, p)
		if err != nil {
			return nil, err
		}
		return func(e uint) bool { return slices.Contains(ids, e) }, nil
	}
	return nil, ErrForbidden
}

func attendanceRow(a Attendance, final bool) AttendanceRow {
	excluded := a.NoMediaMS + a.MissedCheckMS + a.SecondDevMS
	var reasons []string
	for _, x := range []struct {
		r  course.Reason
		ms int64
	}{{course.ReasonNoMedia, a.NoMediaMS}, {course.ReasonMissedCheck, a.MissedCheckMS}, {course.ReasonSecondDevice, a.SecondDevMS}} {
		if x.ms > 0 {
			reasons = append(reasons, x.r.Label()+" "+minutes(x.ms)+"分钟")
		}
	}
	return AttendanceRow{Attendance: a, CreditedMinutes: int(a.CreditedMS / 60000), ReceivingMinutes: int(a.ReceivingMS / 60000),
		ExcludedMinutes: int(excluded / 60000), Reasons: strings.Join(reasons, "；"), Final: final}
}

// minutes shows ms as minutes with one decimal ("2.5").
func minutes(ms int64) string {
	tenths := (ms + 3000) / 6000
	s := itoa(int(tenths / 10))
	if t := tenths % 10; t != 0 {
		s += "." + itoa(int(t))
	}
	return s
}

// AttendanceXLSX is Attendance as an xlsx workbook (one row per viewer:
// name, enterprise, masked ID number, joined, left, receiving and credited
// minutes, missed presence checks, excluded minutes with their reasons),
// and records the export in the audit ledger. Errors as Attendance.
func (s *Store) AttendanceXLSX(ctx context.Context, p account.Principal, id uint) ([]byte, error) {
	rows, v, err := s.Attendance(ctx, p, id)
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "直播考勤"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, fault.Wrap(err, "lecture: attendance xlsx")
	}
	status := "最终结果"
	if v.Status != StatusEnded {
		status = "直播进行中，截至导出时"
	}
	title := []any{v.Title + "（" + v.ScheduledAt.In(hours.ChinaTime()).Format("2006-01-02 15:04") + "，主讲：" + v.TrainerName + "，" + status + "）"}
	header := []any{"姓名", "所属企业", "身份证号（脱敏）", "首次进入", "最后离开", "接收画面（分钟）", "计入学时（分钟）", "签到次数", "未签到次数", "未计入（分钟）", "未计入原因"}
	if err := f.SetSheetRow(sheet, "A1", &title); err != nil {
		return nil, fault.Wrap(err, "lecture: attendance xlsx")
	}
	if err := f.SetSheetRow(sheet, "A2", &header); err != nil {
		return nil, fault.Wrap(err, "lecture: attendance xlsx")
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(hours.ChinaTime()).Format("2006-01-02 15:04:05")
	}
	for i, r := range rows {
		line := []any{r.Name, r.EnterpriseName, r.IDMasked, at(r.FirstJoin), at(r.LastLeave), r.ReceivingMinutes, r.CreditedMinutes,
			r.Checks, r.MissedChecks, r.ExcludedMinutes, r.Reasons}
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		if err := f.SetSheetRow(sheet, cell, &line); err != nil {
			return nil, fault.Wrap(err, "lecture: attendance xlsx")
		}
	}
	_ = f.SetColWidth(sheet, "A", "A", 12)
	_ = f.SetColWidth(sheet, "B", "B", 32)
	_ = f.SetColWidth(sheet, "C", "C", 22)
	_ = f.SetColWidth(sheet, "D", "E", 20)
	_ = f.SetColWidth(sheet, "K", "K", 40)
	_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"})
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fault.Wrap(err, "lecture: attendance xlsx")
	}
	if err := s.write(ctx, func(tx *gorm.DB) error {
		return record(tx, p, "live.attendance_export", id, nil, map[string]any{"rows": len(rows), "final": v.Status == StatusEnded})
	}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
