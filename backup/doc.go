// Package backup makes and restores anpei's backup archives.
//
// An archive is one gzip-compressed tar file holding, in this order:
//
//	db/anpei.db            SQLite: a consistent copy made by VACUUM INTO
//	                       on a connection of the live database
//	db/<table>.jsonl       MySQL/MariaDB: one file per table, exported in
//	                       one REPEATABLE READ transaction started WITH
//	                       CONSISTENT SNAPSHOT (see "Row files" below)
//	uploads/ab/<sha256>    the content-addressed uploads of --data/uploads
//	keys/pii-keys.json     the ID-number key file (absent when the key is
//	                       a setting, --pii-key)
//	keys/cert-keys/…       the certificate signing keys
//	settings.json          the effective settings, secrets left out
//	manifest.json          last: format version, creation time, schema
//	                       version, dialect, row counts per table, and the
//	                       size and SHA-256 of every other entry
//
// Create writes the archive to a temporary file beside the destination,
// fsyncs it and renames it into place only when everything is written, so
// a failure (a full disk, a lost database connection) leaves no file under
// the destination's name.
//
// Restore reads the archive twice: the first pass checks the gzip stream,
// every entry against the manifest (size and SHA-256; no entry missing, no
// entry extra) and the versions, and writes nothing; the second pass writes
// into an empty data directory and an empty database, checking every entry
// again as it goes. A failure after writing has begun removes what was
// written (files in the data directory, tables in the database), so the
// target is empty again.
//
// # Row files
//
// A db/<table>.jsonl file starts with a header line
//
//	{"table":"users","columns":[{"name":"id","type":"bigint(20) unsigned","kind":"uint"},…]}
//
// followed by one JSON array per row, values in column order, typed by
// the column's kind: int and uint as JSON numbers (exact, never through a
// float), float as a JSON number, decimal and text as strings, blob as
// base64, time as "2006-01-02 15:04:05.999999" UTC (microseconds kept),
// date as "2006-01-02", and NULL as null.
//
// # Restoring across dialects
//
// A SQLite archive restores into SQLite by placing the database file; any
// other pair (SQLite → MySQL, MySQL → SQLite, MySQL → MySQL) copies rows:
// the target is migrated to the archive's schema version, the rows go in
// with their IDs in one transaction (MySQL's AUTO_INCREMENT and SQLite's
// sequence continue after them), the row counts are compared with the
// manifest, and then the migrations run up to the binary's version.
package backup
