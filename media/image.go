package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"anpei/fault"
)

// JPEG: starts with SOI (FFD8FF) and ends with EOI (FFD9), give or take a
// little padding some scanners add. PNG: the signature, IHDR first, every
// chunk inside the file, and IEND last, ending the file. Both then go
// through the standard decoder's header parser for the dimensions.

const (
	maxJPEGPadding = 64
	maxDimension   = 20000
	maxPNGChunks   = 1 << 22
)

func imageCorrupt() error {
	return corrupt("图片文件不完整或已损坏，请重新扫描或导出后上传")
}

func inspectJPEG(s src, info *Info) error {
	tail, err := s.tail(maxJPEGPadding + 2)
	if err != nil {
		return err
	}
	if s.size < 4 || bytes.LastIndex(tail, []byte{0xFF, 0xD9}) < 0 {
		return imageCorrupt()
	}
	return checkDimensions(jpeg.DecodeConfig, s)
}

func inspectPNG(s src, info *Info) error {
	off := int64(len(pngMagic))
	for n := 0; ; n++ {
		if n >= maxPNGChunks {
			return imageCorrupt()
		}
		h, err := s.read(off, 8)
		if errors.Is(err, errTruncated) {
			return imageCorrupt()
		} else if err != nil {
			return err
		}
		length := int64(binary.BigEndian.Uint32(h))
		typ := string(h[4:8])
		if length > 1<<31-1 || !pngChunkType(h[4:8]) {
			return imageCorrupt()
		}
		next := off + 12 + length
		if next > s.size {
			return imageCorrupt()
		}
		if n == 0 && (typ != "IHDR" || length != 13) {
			return imageCorrupt()
		}
		if typ == "IEND" {
			if length != 0 || next != s.size {
				return imageCorrupt()
			}
			break
		}
		off = next
	}
	return checkDimensions(png.DecodeConfig, s)
}

func pngChunkType(t []byte) bool {
	for _, c := range t {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkDimensions parses the image header with the standard decoder.
func checkDimensions(decode func(io.Reader) (image.Config, error), s src) error {
	cfg, err := decode(io.NewSectionReader(s.r, 0, s.size))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return imageCorrupt()
	}
	if cfg.Width > maxDimension || cfg.Height > maxDimension {
		msg := fmt.Sprintf("图片尺寸过大（%d×%d 像素），请缩小到 %d×%d 以内后上传", cfg.Width, cfg.Height, maxDimension, maxDimension)
		return fileError(fault.TooLarge, codeTooLarge, msg)
	}
	return nil
}
