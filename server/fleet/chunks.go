package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
)

// The chunk stream: every part of every replay file of the fleet, in file
// order, as one JetStream stream — the fleet's event log. A part is
// published as one message, its exact bytes as on disk, on the subject
//
//	skirmish.chunks.<replay id>.<part>
//
// where part is "header", the chunk's number from 0 ("0", "1", ...), or
// "footer" (the footer record and the trailer: the file's last bytes).
// The message id (Nats-Msg-Id) is "<replay id>.<part>", so JetStream drops
// a part published twice within the stream's duplicate window (a node that
// restarts and publishes its files again), and a reader that keeps, per
// replay, how many parts it has taken drops any later duplicate.
//
// Headers: Skirmish-Match (the match id), Skirmish-Node (the node that
// recorded it), and for a chunk Skirmish-Ticks ("first-last").
const (
	ChunkStream    = "skirmish_chunks"
	chunkSubjects  = "skirmish.chunks.>"
	chunkPrefix    = "skirmish.chunks."
	PartHeader     = "header"
	PartFooter     = "footer"
	HeaderMatch    = "Skirmish-Match"
	HeaderNode     = "Skirmish-Node"
	HeaderTicks    = "Skirmish-Ticks"
	maxPartsPerRun = 1 << 24 // a replay's chunk numbers are below this (MaxChunkTicks-long chunks of a 2^32-tick match)
)

// ChunkSubject is the subject of a part of replay id.
func ChunkSubject(id, part string) string { return chunkPrefix + id + "." + part }

// ParseChunkSubject splits a chunk stream subject into the replay id and
// the part: "header", "footer", "removed", or a chunk number (n ≥ 0, with
// part "").
func ParseChunkSubject(subject string) (id, part string, n int, err error) {
	rest, ok := strings.CutPrefix(subject, chunkPrefix)
	id, part, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || id == "" || strings.Contains(part, ".") {
		return "", "", 0, fmt.Errorf("fleet: %q is not a chunk subject", subject)
	}
	switch part {
	case PartHeader, PartFooter, PartRemoved:
		return id, part, -1, nil
	}
	n, err = strconv.Atoi(part)
	if err != nil || n < 0 || n >= maxPartsPerRun || strconv.Itoa(n) != part {
		return "", "", 0, fmt.Errorf("fleet: %q: part %q is neither header, footer nor a chunk number", subject, part)
	}
	return id, "", n, nil
}

// chunkStreamConfig is the chunk stream's configuration when a node
// creates it.
func (f *Fleet) chunkStreamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        ChunkStream,
		Description: "Skirmish replays, part by part in file order: the fleet's event log",
		Subjects:    []string{chunkSubjects},
		Storage:     jetstream.FileStorage,
		Replicas:    f.o.Replicas,
		MaxAge:      f.o.ChunkMaxAge,
		MaxBytes:    f.o.ChunkMaxBytes,
		Duplicates:  2 * time.Minute,
		// A node serves any chunk of the fleet by subject, without a
		// consumer.
		AllowDirect: true,
	}
}

// publishers are the goroutines that publish replays, one per file.
type publishers struct {
	mu      sync.Mutex
	running map[string]bool // by replay id
	wg      sync.WaitGroup
}

// wait returns when every publisher has finished (the matches have ended
// and their footers are published) or ctx ends.
func (p *publishers) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		n := len(p.running)
		p.mu.Unlock()
		return fmt.Errorf("fleet: %d replays not wholly published to the chunk stream: %w", n, ctx.Err())
	}
}

// PublishReplay publishes the replay file of replay id, at path, to the
// chunk stream as its match writes it: the header at once, each chunk as
// it is sealed, the footer when the match ends. It returns at once; a
// goroutine of its own follows the file, which is the buffer: while NATS
// is out of reach the goroutine waits, then catches up from the file, so
// nothing is queued in memory and nothing waits on a tick. The local file
// stays the crash-safe record.
func (f *Fleet) PublishReplay(id, matchID, path string) {
	f.pubs.mu.Lock()
	if f.pubs.running[id] {
		f.pubs.mu.Unlock()
		return
	}
	f.pubs.running[id] = true
	f.pubs.mu.Unlock()
	f.pubs.wg.Add(1)
	go func() {
		defer f.pubs.wg.Done()
		defer func() {
			f.pubs.mu.Lock()
			delete(f.pubs.running, id)
			f.pubs.mu.Unlock()
		}()
		f.publishFile(f.ctx, id, matchID, path, true)
	}()
}

// PublishFinished checks, one file at a time, that the finished replay
// files at paths are whole in the chunk stream, and publishes what is
// missing: a node that starts again does so for the files of its last run
// (a crash, an outage longer than the duplicate window).
func (f *Fleet) PublishFinished(ids, paths []string) {
	// Not one of the publishers Close waits for: a backlog cut short is
	// checked again at the next start.
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for i, path := range paths {
			if f.ctx.Err() != nil {
				return
			}
			if f.streamHasFooter(ids[i]) {
				continue
			}
			f.publishFile(f.ctx, ids[i], "", path, false)
		}
	}()
}

// streamHasFooter reports whether the stream holds replay id's footer.
func (f *Fleet) streamHasFooter(id string) bool {
	for f.ctx.Err() == nil {
		ctx, cancel := opCtx()
		_, err := f.chunks.GetLastMsgForSubject(ctx, ChunkSubject(id, PartFooter))
		cancel()
		switch {
		case err == nil:
			return true
		case errors.Is(err, jetstream.ErrMsgNotFound):
			return false
		}
		f.wait(time.Second)
	}
	return false
}

// publishFile publishes the parts of one replay file in order, waiting on
// the file for parts not yet written when live, and on NATS while it is
// out of reach, until the footer is published or the fleet closes.
func (f *Fleet) publishFile(ctx context.Context, id, matchID, path string, live bool) {
	fl, err := replay.Follow(ctx, path, replay.FollowOptions{Poll: 100 * time.Millisecond})
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("cannot publish a replay", "replay", id, "err", err)
		}
		return
	}
	defer fl.Close()
	// The footer is read through a descriptor opened now: the file may be
	// removed once its match has ended (a match nobody played).
	file, err := os.Open(path)
	if err != nil {
		f.log.Warn("cannot publish a replay", "replay", id, "err", err)
		return
	}
	defer file.Close()
	if matchID == "" {
		matchID = fl.Header().MatchID
	}
	hdr := nats.Header{}
	hdr.Set(HeaderMatch, matchID)
	hdr.Set(HeaderNode, f.self.ID)
	if !f.publishPart(ctx, id, PartHeader, fl.RawHeader(), hdr) {
		return
	}
	end := int64(len(fl.RawHeader())) // where the footer will start
	for {
		next, cancel := ctx, context.CancelFunc(func() {})
		if !live {
			// A finished file has all it will ever have: a follower that
			// waits means the file has no footer (a crash).
			next, cancel = context.WithTimeout(ctx, 2*time.Second)
		}
		c, err := fl.Next(next)
		cancel()
		switch {
		case err == nil:
			h := nats.Header{}
			h.Set(HeaderMatch, matchID)
			h.Set(HeaderNode, f.self.ID)
			h.Set(HeaderTicks, fmt.Sprintf("%d-%d", c.First, c.Last))
			if !f.publishPart(ctx, id, strconv.Itoa(c.Index), c.Raw, h) {
				return
			}
			end = c.Offset + int64(len(c.Raw))
		case errors.Is(err, io.EOF):
			footer, err := readFrom(file, end)
			if err != nil {
				f.log.Warn("cannot read a replay's footer", "replay", id, "err", err)
				return
			}
			f.publishPart(ctx, id, PartFooter, footer, hdr)
			return
		case ctx.Err() != nil:
			return
		case !live && next.Err() != nil:
			return // recovered chunks published; there is no footer
		default:
			f.log.Warn("publishing a replay stopped at a damaged chunk", "replay", id, "err", err)
			return
		}
	}
}

// readFrom returns the bytes of file from off to its end: a replay's
// footer and trailer, which a cleanly closed file ends with.
func readFrom(file *os.File, off int64) ([]byte, error) {
	st, err := file.Stat()
	if err != nil {
		return nil, err
	}
	if n := st.Size() - off; n <= 0 || n > replay.MaxFooterLen+64 {
		return nil, fmt.Errorf("fleet: %d bytes after the last chunk", n)
	}
	b := make([]byte, st.Size()-off)
	_, err = file.ReadAt(b, off)
	return b, err
}

// publishPart publishes one part, retrying until JetStream has it or the
// fleet closes (false).
func (f *Fleet) publishPart(ctx context.Context, id, part string, data []byte, h nats.Header) bool {
	msg := &nats.Msg{Subject: ChunkSubject(id, part), Header: h, Data: data}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if f.connected() {
			pctx, cancel := opCtx()
			ack, err := f.js.PublishMsg(pctx, msg, jetstream.WithMsgID(id+"."+part), jetstream.WithExpectStream(ChunkStream))
			cancel()
			if err == nil {
				if ack.Duplicate {
					f.m.chunks.WithLabelValues("duplicate").Inc()
				} else {
					f.m.chunks.WithLabelValues("published").Inc()
					f.m.chunkBytes.Add(float64(len(data)))
				}
				return true
			}
			f.m.chunks.WithLabelValues("error").Inc()
			f.log.Debug("chunk publish", "subject", msg.Subject, "err", err)
		}
		f.wait(backoff)
		backoff = min(2*backoff, 5*time.Second)
	}
	return false
}

// wait sleeps for d or until the fleet closes.
func (f *Fleet) wait(d time.Duration) {
	select {
	case <-f.ctx.Done():
	case <-time.After(d):
	}
}

// Chunk returns the bytes of a part of replay id from the chunk stream
// ("header", "footer", or a chunk's number), and the tick span of a chunk;
// ErrNoChunk if the stream does not hold it (yet).
func (f *Fleet) Chunk(ctx context.Context, id, part string) ([]byte, string, error) {
	if !f.connected() {
		return nil, "", errUnreachable
	}
	m, err := f.chunks.GetLastMsgForSubject(ctx, ChunkSubject(id, part))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, "", ErrNoChunk
	}
	if err != nil {
		return nil, "", fmt.Errorf("fleet: chunk stream: %w", err)
	}
	return m.Data, m.Header.Get(HeaderTicks), nil
}

// ErrNoChunk is Chunk's answer for a part the stream does not hold.
var ErrNoChunk = server.ErrNoPart

// PartRemoved is the part that says a replay was discarded (a match
// nobody played): a reader takes back what it read of it. It comes after
// the replay's last part.
const PartRemoved = "removed"

// Discard publishes replay id's removal once its publisher has published
// the file's last part.
func (f *Fleet) Discard(id string) {
	f.pubs.wg.Add(1)
	go func() {
		defer f.pubs.wg.Done()
		for f.ctx.Err() == nil {
			f.pubs.mu.Lock()
			busy := f.pubs.running[id]
			f.pubs.mu.Unlock()
			if !busy {
				break
			}
			f.wait(50 * time.Millisecond)
		}
		f.publishPart(f.ctx, id, PartRemoved, nil, nats.Header{HeaderNode: []string{f.self.ID}})
	}()
}

// ChunkIndex lists the parts of replay id the chunk stream holds: its
// header, its chunks from number from on (each with its ticks, whether it
// is a keyframe, and its size), and whether its footer is there. false if
// the stream has no header for it.
func (f *Fleet) ChunkIndex(ctx context.Context, id string, from int) (server.ChunkIndex, bool, error) {
	var ix server.ChunkIndex
	if !f.connected() {
		return ix, false, errUnreachable
	}
	info, err := f.chunks.Info(ctx, jetstream.WithSubjectFilter(chunkPrefix+id+".*"))
	if err != nil {
		return ix, false, fmt.Errorf("fleet: chunk stream: %w", err)
	}
	have := info.State.Subjects
	if have[ChunkSubject(id, PartHeader)] == 0 || have[ChunkSubject(id, PartRemoved)] > 0 {
		return ix, false, nil
	}
	hdr, _, err := f.Chunk(ctx, id, PartHeader)
	if err != nil {
		return ix, false, err
	}
	ix.Header = hdr
	ix.Footer = have[ChunkSubject(id, PartFooter)] > 0
	for n := 0; have[ChunkSubject(id, strconv.Itoa(n))] > 0; n++ {
		ix.Count = n + 1
	}
	// The last chunk is always listed, for the index's last tick.
	for n := max(0, min(from, ix.Count-1)); n < ix.Count; n++ {
		data, ticks, err := f.Chunk(ctx, id, strconv.Itoa(n))
		if err != nil {
			return ix, false, err
		}
		c := server.ChunkInfo{N: n, Size: int64(len(data)), Keyframe: len(data) > 0 && data[0] == keyframeRecord}
		if _, err := fmt.Sscanf(ticks, "%d-%d", &c.First, &c.Last); err != nil {
			return ix, false, fmt.Errorf("fleet: chunk %d of %s: ticks %q", n, id, ticks)
		}
		ix.Chunks = append(ix.Chunks, c)
	}
	return ix, true, nil
}

// keyframeRecord is the record type of a chunk that starts with a world
// snapshot (docs/REPLAY-FORMAT.md): a record's first byte.
const keyframeRecord = 2
