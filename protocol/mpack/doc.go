// Package mpack is the strict msgpack that Skirmish's binary formats share:
// the wire protocol (package protocol) and the replay format (package
// replay). It is a thin layer over github.com/vmihailenco/msgpack/v5 that
// covers the subset those formats use: nil, booleans, integers, str, bin and
// arrays.
//
// # Map
//
//   - Use Append(dst, fn) to encode: fn writes values with the Appender's
//     methods (Nil, Bool, Uint, Int, ArrayLen, Str, Bin, Raw), and Append
//     returns dst extended with their bytes, like strconv.AppendInt. A
//     long-lived encoder that appends to several buffers in turn can keep an
//     Appender of its own (NewAppender, Reset, Bytes) instead.
//   - Use GetReader(b) to decode b, read it value by value with the Reader's
//     methods (ArrayLen, Int, Uint64, Uint32, Bool, Nil, Str, Bin), finish
//     with End, and give the Reader back with PutReader.
//
// # Encoding
//
// Every value is written in the shortest form msgpack allows, so equal
// values give equal bytes: the formats' documents and golden files pin them.
// A nil []byte is written as an empty bin, never as nil. Appending into a
// buffer with room allocates nothing.
//
// # Decoding
//
// A Reader is meant for untrusted bytes. It accepts an integer or a length
// in any width the msgpack spec allows, but checks everything else: every
// value must have the msgpack type asked for (an integer is never a float,
// nil or a string; str and bin are distinct), every integer its range,
// every array its length bounds, every str or bin its maximum length, and
// End refuses anything left over. No length is trusted before it is checked:
// an array may not claim more elements than there are bytes left (each takes
// at least one), and str and bin bodies are never copied but returned as
// slices of the input after their length has been checked against the limit
// and the bytes left. No input makes a Reader panic.
//
// The first failure is kept and every later read returns the zero value, so
// a caller reads a whole record and checks Err (or End) once. Callers add
// their own checks with Fail, and wrap the *Error that Err returns in their
// own error: protocol in ErrMalformed with the message kind, replay in its
// *Error with the record and file offset.
//
// # What is done by hand
//
// The library's decoder takes nil for a number, an array or a length, and
// it allocates for str and bin bodies (DecodeString, DecodeBytes). So a
// Reader checks the type byte of every value itself before anything is
// decoded, reads only the length of a str or bin through the decoder, and
// slices the body out of the input once the length has been checked. It
// decodes integers itself too, after the same check: the decoder's
// DecodeInt64 reads every multi-byte integer through io.ReadFull into a
// scratch buffer, and integers are most of what the formats hold (through
// the decoder, replay.Open took 60% longer). Array, str and bin lengths,
// booleans and nil go through the decoder; the type codes are the library's
// (msgpcode).
//
// Encoding goes through the library's Encoder, whose EncodeUint, EncodeInt,
// EncodeArrayLen and EncodeString write the shortest forms, with two
// exceptions. Bin writes its body itself, after EncodeBytesLen, because
// EncodeBytes writes a nil slice as msgpack nil, which is not a bin. And
// Uint and Int append an integer of -32..127, a fixint, as its own byte:
// most of the formats' integers are that small, and the Encoder's call
// through its io.ByteWriter for each made a replay chunk twice as slow to
// encode, and a frame a fifth slower.
//
// # Concurrency
//
// An Appender or a Reader is used by one goroutine at a time. Append,
// GetReader and PutReader draw from and return to sync.Pools and are safe
// for concurrent use.
package mpack
