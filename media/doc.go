// Package media accepts, stores and serves the files people upload: lesson
// videos (MP4, WebM) and documents (PDF) from trainers, scanned sign-in
// sheets (PDF, JPEG, PNG) from enterprise admins.
//
// # What is checked, and why
//
// A file is judged by its content only — never by its name or the
// Content-Type the browser sent, both of which the uploader controls. The
// first bytes say what it claims to be; then the structure is checked far
// enough to know the file is whole, because the usual failure is not malice
// but a phone upload cut off half way, or a recording app that never wrote
// its index. A learner who gets a broken video cannot earn hours, and the
// watch-time engine (package course) needs the real duration, so a video
// without one is refused at upload rather than discovered by a learner.
//
//   - MP4 (ISO-BMFF): the top-level boxes are walked by size. ftyp must come
//     first with an MP4 video brand (QuickTime MOV, M4A audio and HEIF
//     pictures are refused as unsupported); every box must fit in the file
//     (one running past the end means a truncated upload); moov must hold
//     mvhd (version 0 or 1, or mvex/mehd for fragmented files) and the
//     duration is its duration/timescale; mdat must be present.
//   - WebM: the EBML header's DocType must be "webm" (Matroska/MKV is
//     refused with a hint to convert); the Segment's declared size must fit
//     the file (an unknown, streamed size is allowed); its elements are
//     walked by size — Clusters are skipped, never loaded — and Info must
//     carry Duration (in TimecodeScale units, 1 ms by default). Files
//     recorded straight from a browser usually lack it and are refused with
//     a hint to re-export.
//   - PDF: "%PDF-1.x" or "%PDF-2.x" as the very first bytes and "%%EOF" in
//     the last 1024; pages are counted best-effort as "/Type /Page" objects
//     (0 when the page tree is compressed).
//   - JPEG: FFD8FF first and FFD9 at the end (64 bytes of padding allowed);
//     PNG: signature, IHDR first, chunks walked by length, IEND ending the
//     file. Both go through the standard decoders' header parsers, and
//     dimensions above 20000×20000 are refused.
//   - Anything else (HTML, SVG, scripts, archives, programs, text) is
//     media_type_unsupported: the store never holds content a browser could
//     be talked into running.
//
// Errors are *fault.Error values with Chinese messages that tell the user
// what to do: media_type_unsupported (415), media_corrupt,
// media_no_duration and media_empty (422), media_too_large (413),
// media_not_found (404).
//
// # Storage and serving
//
// Store streams an upload to a temporary file beside the store (never
// holding it in memory), hashing it as it goes and stopping one byte past
// the limit; it inspects the file, fsyncs it and renames it to
// dir/ab/<sha256>. Identical uploads share one file. Keys are checked to be
// 64 lowercase hex digits before any path is built, so a key cannot walk
// out of the store. Serve uses http.ServeContent for Range, If-Range and
// If-None-Match (phones seek in videos), with the SHA-256 as a strong ETag,
// the MIME type found at upload, nosniff, and an inline Content-Disposition
// whose filename survives Chinese names (RFC 6266/5987).
package media
