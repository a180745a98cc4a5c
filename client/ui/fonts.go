package ui

import (
	"bytes"

	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// fonts are the Go fonts (BSD licence; see assets/LICENSE.md), at sizes
// that follow the window.
type fonts struct {
	regular, bold               *text.GoTextFaceSource
	scale                       float64
	small, normal, large, title *text.GoTextFace
}

func newFonts() (*fonts, error) {
	r, err := text.NewGoTextFaceSource(bytes.NewReader(goregular.TTF))
	if err != nil {
		return nil, err
	}
	b, err := text.NewGoTextFaceSource(bytes.NewReader(gobold.TTF))
	if err != nil {
		return nil, err
	}
	f := &fonts{regular: r, bold: b}
	f.resize(1)
	return f, nil
}

// resize sets the faces for a UI scale (1 for a 720-pixel-high screen).
func (f *fonts) resize(scale float64) {
	if scale == f.scale {
		return
	}
	f.scale = scale
	f.small = &text.GoTextFace{Source: f.regular, Size: 13 * scale}
	f.normal = &text.GoTextFace{Source: f.regular, Size: 16 * scale}
	f.large = &text.GoTextFace{Source: f.bold, Size: 22 * scale}
	f.title = &text.GoTextFace{Source: f.bold, Size: 56 * scale}
}
