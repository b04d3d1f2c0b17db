package compliance

import (
	"time"

	"gorm.io/gorm"
)

// ResultRow is the stored evaluation of one person on duty: what the
// dashboards aggregate and the gap lists show. The daily sweep (Refresh)
// rewrites it; people off duty have none.
type ResultRow struct {
	PersonID     uint   `gorm:"primaryKey;autoIncrement:false"`
	Name         string `gorm:"size:50;not null"`
	IDMasked     string `gorm:"size:30;not null;default:''"`
	EnterpriseID uint   `gorm:"not null;index"`
	// Where the person works, for the roll-ups: kept as evaluated, so a
	// later roster edit does not move past results.
	TownCode       string `gorm:"size:12;not null;index"`
	IndustryCode   string `gorm:"size:30;not null;index"`
	DepartmentCode string `gorm:"size:30;not null;index"`
	Categories     uint8  `gorm:"not null"`
	Status         uint8  `gorm:"not null;index:idx_compliance_results_gap,priority:2"`
	Major          bool   `gorm:"not null;default:false;index:idx_compliance_results_gap,priority:1"`
	// Codes are the reason codes as ",a,b," (sqltext.CodeList); Reasons the
	// reasons as JSON ([]ReasonView).
	Codes   string `gorm:"size:300;not null;default:''"`
	Reasons string `gorm:"type:text"`
	// The rates' flags (see Result).
	CertDue    uint8     `gorm:"not null;default:0"`
	CertHeld   uint8     `gorm:"not null;default:0"`
	PreJobDue  bool      `gorm:"not null;default:false"`
	PreJobDone bool      `gorm:"not null;default:false"`
	AnnualDue  bool      `gorm:"not null;default:false"`
	AnnualDone bool      `gorm:"not null;default:false"`
	AsOf       time.Time `gorm:"not null"`
	RunAt      time.Time `gorm:"not null"`
	// Run numbers the sweep that wrote the row: rows of earlier sweeps
	// are of people no longer on duty.
	Run int64 `gorm:"not null;index"`
}

// TableName keeps the table name plain.
func (ResultRow) TableName() string { return "compliance_results" }

// SnapshotRow is one enterprise's tally at a month's end, stored so trends
// survive later roster edits.
type SnapshotRow struct {
	Month          string `gorm:"primaryKey;size:7"` // 2026-06
	EnterpriseID   uint   `gorm:"primaryKey;autoIncrement:false"`
	TownCode       string `gorm:"size:12;not null;index"`
	IndustryCode   string `gorm:"size:30;not null;index"`
	DepartmentCode string `gorm:"size:30;not null;index"`
	// Tally is the enterprise's Tally as JSON (TallyView).
	Tally     string    `gorm:"type:text;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table name plain.
func (SnapshotRow) TableName() string { return "compliance_snapshots" }

// AutoMigrate creates or updates the compliance tables.
func AutoMigrate(tx *gorm.DB) error {
	return tx.AutoMigrate(&ResultRow{}, &SnapshotRow{}, &RollupRow{})
}

// RollupRow is one enterprise's tally from the last sweep, with its
// certificates falling due per day over the next year: the dashboard's
// roll-ups sum at most one row per enterprise, whatever the number of
// people.
type RollupRow struct {
	EnterpriseID   uint   `gorm:"primaryKey;autoIncrement:false"`
	TownCode       string `gorm:"size:12;not null;index"`
	IndustryCode   string `gorm:"size:30;not null;index"`
	DepartmentCode string `gorm:"size:30;not null;index"`
	// Tally is the TallyView as JSON; Due the counts of certificates
	// falling due per day ("2006-01-02" → n) as JSON.
	Tally string    `gorm:"type:text;not null"`
	Due   string    `gorm:"type:text;not null"`
	AsOf  time.Time `gorm:"not null"`
	Run   int64     `gorm:"not null"`
}

// TableName keeps the table name plain.
func (RollupRow) TableName() string { return "compliance_rollups" }
