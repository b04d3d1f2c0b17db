// Package document prints certificates: Render makes the one-page A4 PDF
// a holder frames (title, the sentence, the field table, the issuer's seal,
// the number and the verification QR code), RenderZip a batch of them in a
// ZIP, and QRPNG, DecodeQR and DecodeQRFile make and read the QR code for
// the web page and the command line.
//
// The PDF is drawn with fpdf in one embedded font, Anpei Cert Sans (Droid
// Sans Fallback with Roboto for Latin, Apache-2.0, see fonts/NOTICE), which
// has every hanzi of GB 2312 and GBK and CJK Extension A. A character it
// lacks is refused with ErrUnprintable, never printed as a gap. The 4 MB
// font is parsed once per process; each document embeds only the glyphs it
// draws, and the QR code is encoded with one fixed mask (qrMask), which
// keeps a Render at about 3.5 ms on one core, most of it in fpdf (its font
// ID and its zlib streams).
package document
