// Package replay is Skirmish's event log: one file (.skr) per match holding
// the match's events, not its states, with periodic snapshots for seeking.
// Everything a viewer sees is derived by simulating the events with sim.
//
// A file is a header (magic, format version, simulation version, tick rate,
// match id, start time, the map's name and text, so that a replay plays
// after the map has changed, and for a forked match its Origin: the source
// recording, tick and world hash it starts from), then chunks, then, after a
// clean close, an index footer. A chunk covers a span of ticks (one second by default); it is
// length-prefixed, CRC-32C checked and zstd-compressed msgpack. A keyframe
// chunk also holds a snapshot of the world just before its first tick. The
// byte layout is in format.go and docs/REPLAY-FORMAT.md.
//
// Writing: the server's tick loop creates a Writer with Create (or
// NewWriter for any WriteSyncer) and calls Append once per tick with the
// tick's frame and world, then Close. Append never waits for the disk: the
// Writer compresses, writes and fsyncs sealed chunks on its own goroutine,
// through a bounded queue, and reports with Options.OnBehind when it falls
// behind. Each sealed chunk is fsynced (unless Options.NoSync) before the
// next is written, so a crash loses at most the chunks not yet written: about
// a second in normal running.
//
// Reading: Open (or NewReader for any io.ReaderAt) reads the header and the
// footer's index, or scans a file without a footer (a crashed match) and
// recovers every complete chunk. Info summarizes; Frames iterates over the
// events; Seek returns the world at any tick (the keyframe at or before it,
// restored, then fast-forwarded); Cursor steps forward and backward for
// playback; Play replays the whole log; Verify re-simulates and checks
// every recorded hash, and VerifyOrigin checks a fork's lineage against its
// source. Files of every format version from MinFormatVersion to
// FormatVersion are read; the writer writes FormatVersion. A Reader is safe for concurrent use. TickAnalyzer
// works out what each tick did (shots, hits, kills, distance), for the read
// models of package replay/projection, which count it (MatchStats).
//
// Live: Follow tails a file that is being written and yields each chunk as
// it is sealed, with its exact bytes; a spectator reads the same bytes,
// the header first, with NewStreamReader. Sealed chunks are immutable, so
// those bytes can be cached anywhere. To seek in what has arrived so far,
// keep the bytes and Grow a Reader over them as chunks come (only the new
// ones are read); Cursor.Rebase moves a cursor onto the grown Reader. A Tail
// indexes the sealed chunks of a file being written without decoding them,
// and ReadChunk and ReadFooter read a piece it has found, so that a server
// can serve each chunk at a URL of its own.
//
// Untrusted input: every length and count is checked against a cap
// (MaxHeaderLen, MaxChunkLen, MaxRawLen, MaxTickEvents, MaxChunkEvents, ...)
// before anything is allocated for it, each zstd frame decompresses to at
// most its record's RawLen, a Reader's cache of decoded chunks is bounded
// in bytes, and every error is an *Error that says where (header, chunk N at
// byte X, footer, trailer) and why, wrapping ErrCorrupt, ErrTruncated or
// ErrVersion. Files of a replay directory are opened with a Dir, which
// opens regular files only and follows no symbolic link; Open and Follow
// refuse at once a path that is not a regular file.
package replay
