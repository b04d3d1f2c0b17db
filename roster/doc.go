// Package roster keeps the district's enterprises (生产经营单位) and the
// people who work in them (从业人员): the denominator every compliance rule
// counts against. It owns the reference tables the roster refers to (towns
// and streets, regulating departments, industries and the special-operation
// catalogue), which are loaded from embedded data files and stay editable in
// the database.
//
// A person is one identity (document type + number) for life: the full
// number is stored only sealed by package pii, beside a keyed hash for exact
// lookup and a masked copy for display. Moving between enterprises changes
// the person's current enterprise and appends duty events; it never creates
// a second identity.
//
// Every use case takes the acting account.Principal and applies one scope
// (scope.go): out-of-scope rows are reported as not found, never as
// forbidden, so their existence is not revealed. Writes run in one
// transaction together with their audit entry.
//
// roster knows no HTTP; the Excel import and export build on UpsertPeople,
// MissingFrom and ValidatePersonInput.
package roster
