// Package protocol defines the messages that Skirmish clients and servers
// exchange over a WebSocket, their msgpack encoding, and the protocol
// Version. docs/PROTOCOL.md describes the same format byte by byte for
// clients written in other languages.
//
// # Map
//
// Every message is a struct that implements Message: Hello, Welcome,
// Command, Frame, Reject, Ping, Pong, HashReport, Notice and Snapshot.
//
//   - Use X.Append(dst) to encode a message: it appends the msgpack bytes to
//     dst and returns the extended slice, like strconv.AppendInt. Appending
//     into a reused buffer allocates nothing.
//   - Use X.Decode(b) to decode untrusted bytes into a message of a known
//     kind, reusing the message (Frame.Decode reuses Frame.Events' storage).
//   - Use Decode(b) to decode a message of any kind; it allocates the
//     message and returns it as a Message to switch on by type.
//   - Use PeekKind(b) to learn a message's Kind without decoding the rest,
//     for example to route it or to refuse it early.
//   - Reason is the code of a Reject: sim.Reason codes below 64, the
//     server's own from 64. NoticeCode says what a Notice is about, and the
//     Close constants are the WebSocket close statuses the server uses.
//   - The action vocabulary (action.go) is the one place that knows which
//     arguments follow each sim.Action, how they are encoded and what
//     ranges they have: AppendAction, ReadAction and ReadArgs encode and
//     decode an action, ActionArgs lists its arguments, CheckAction tells
//     whether an input can be encoded. Commands, frames and the replay
//     log's chunks (package replay) all use it.
//
// A Frame holds one tick's events as clients receive them. The replay log
// records the same events, but not the same bytes: its chunks pack the
// events of many ticks into one denser array (docs/REPLAY-FORMAT.md), with
// each action encoded as here.
//
// # Strictness
//
// The decoders are meant for bytes from the network and from files, and
// accept exactly what the encoders write, up to the width of integers: a
// message is a msgpack array whose first element is its Kind, with exactly
// the number of fields its kind (and, for commands and events, its action)
// has; every field has the msgpack type it must have (an integer never
// comes as a float, a string or nil; names and texts are str, snapshots
// bin); every integer and length is checked against its range before
// anything is allocated; and nothing may follow the message. Integers may
// come in any msgpack width (a decoder never insists on the shortest form,
// though the encoders always write it).
//
// A decoding error wraps ErrMalformed, or ErrTooLarge for input above
// MaxMessageSize, and names the message kind and the field at fault. No
// input makes a decoder panic, and every length and count is checked
// against its limit before anything is allocated for it. Decoding checks the wire format only: whether a name is a
// valid player name (sim.ValidName), a command is allowed now, or a
// snapshot restores (sim.Restore) is for the caller to judge.
//
// Decoded messages never alias the input, except for the Snapshot field of
// Welcome and Snapshot, which is a slice of it: copy it, or restore it
// before reusing the buffer.
//
// # Concurrency
//
// Messages are plain values: a message may be read by any number of
// goroutines at once, but not while one of them decodes into it. Append,
// Decode, the typed Decode methods and PeekKind keep no state between calls
// (they draw scratch encoders and decoders from a sync.Pool), so they are
// safe for concurrent use on distinct messages and buffers.
package protocol
