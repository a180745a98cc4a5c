//go:build linux && !android

package ui

// #cgo pkg-config: alsa
// #include <alsa/asoundlib.h>
//
// static void skirmishSilent(const char *file, int line, const char *function, int err, const char *fmt, ...) {}
// static void skirmishQuietALSA(void) { snd_lib_error_set_handler(skirmishSilent); }
import "C"

// quietALSA stops ALSA's library from printing its own errors to the
// standard error (a dozen lines when there is no sound card): the client
// says what matters, once, in its log.
func quietALSA() { C.skirmishQuietALSA() }
