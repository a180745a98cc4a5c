// Package audio is the desktop client's sound, apart from any sound
// device: which sounds a moment of play makes, how loud and from which
// side, and the mix of them as samples. The Ebiten layer (package
// client/ui) opens the device and lets it read a Mixer; without a device
// the game runs silently and nothing here changes.
//
// The pieces, one file each:
//
//   - Sound: the game's sounds (shot, hit, death, spawn, and the menu's
//     click), every one synthesised here by Synthesize: nothing is read
//     from a file, and all of it is original.
//   - Director: which sounds the effects on screen make (package
//     client/scene's effects, of play or of a replay), each once, with a
//     gain that falls with the distance from the listener's camera and a
//     pan from where the camera draws it.
//   - Mixer: the sounds playing, mixed to stereo samples for the device.
//     Play hands a sound over without ever blocking the game loop; the
//     device's goroutine reads the mix.
package audio
