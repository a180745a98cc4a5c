//go:build !linux || android

package ui

// quietALSA does nothing where ALSA is not the sound system.
func quietALSA() {}
