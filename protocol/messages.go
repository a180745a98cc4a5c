package protocol

import (
	"fmt"

	"github.com/skirmishgg/skirmish/protocol/mpack"
	"github.com/skirmishgg/skirmish/sim"
)

// Version is the protocol version. A handshake of another version is refused
// with CloseVersion.
const Version = 1

// Limits of the wire format. A message above MaxMessageSize is refused
// before it is decoded; the server reads client messages with the tighter
// MaxClientMessage.
const (
	MaxMessageSize   = 64 << 10
	MaxClientMessage = 512
	MaxMatchIDLen    = 32
	MaxTokenLen      = 64
	MaxTextLen       = 200
	// MaxEvents bounds the events of one frame.
	MaxEvents = 4096
)

// Kind is the first element of every message.
type Kind uint8

// Message kinds. C→S: sent by clients; S→C: sent by the server.
const (
	KindHello      Kind = 1  // C→S handshake
	KindWelcome    Kind = 2  // S→C handshake answer
	KindCommand    Kind = 3  // C→S an action
	KindFrame      Kind = 4  // S→C a tick's events
	KindReject     Kind = 5  // S→C a refused command
	KindPing       Kind = 6  // C→S clock sync
	KindPong       Kind = 7  // S→C clock sync answer
	KindHashReport Kind = 8  // C→S a client's world hash
	KindNotice     Kind = 9  // S→C match ending, kicked, shutting down
	KindSnapshot   Kind = 10 // S→C a fresh world after a desync
	numKinds       Kind = 11
)

var kindNames = [numKinds]string{"", "hello", "welcome", "command", "frame", "reject",
	"ping", "pong", "hash_report", "notice", "snapshot"}

func (k Kind) String() string {
	if k == 0 || k >= numKinds {
		return fmt.Sprintf("kind(%d)", uint8(k))
	}
	return kindNames[k]
}

// Close codes, sent as the WebSocket close status with a reason text.
// 1000-1011 have their RFC 6455 meanings; 4000-4999 are Skirmish's own.
const (
	CloseNormal        = 1000 // the client left, or the match ended
	CloseGoingAway     = 1001 // the server is shutting down
	CloseProtocolError = 1002 // a malformed message or WebSocket frame
	CloseBadData       = 1007 // a text message that is not UTF-8
	ClosePolicy        = 1008 // flooding, a slow reader, kicked by an admin, resumed elsewhere
	CloseTooBig        = 1009 // a message above the size limit
	CloseVersion       = 4001 // the handshake's protocol version is not ours
	CloseMatchFull     = 4002 // no room in the requested match, or no match could be created
	CloseBadResume     = 4003 // the resume token is unknown or expired
	CloseBadHello      = 4004 // the first message was not a valid hello, or none came in time
	CloseDesync        = 4005 // the client's world still differed after several resyncs
	CloseTimeout       = 4006 // nothing arrived from the client, not even a pong, for too long
	CloseRedirect      = 4010 // the match is on another node of the fleet: the reason is a Redirect
)

// Message is any protocol message.
type Message interface {
	Kind() Kind
	// Append appends the message's msgpack encoding to dst.
	Append(dst []byte) []byte
}

// Hello opens a session: the first message a client sends.
type Hello struct {
	Version uint32
	Name    string // the player's name (sim.ValidName)
	Match   string // the match to join; empty lets the server choose
	Resume  string // a resume token from an earlier Welcome, or empty
}

// Welcome answers a Hello: the client's player and the world to start from.
type Welcome struct {
	Player    sim.PlayerID
	Match     string
	Map       string // the map's name, as in assets/maps
	TickRate  int32
	Tick      uint32 // the tick of Snapshot; frames follow from Tick+1
	Time      uint32 // the server's match clock, ms, when the welcome was sent
	HashEvery uint32 // frames whose tick is a multiple of this carry the world hash
	Resume    string // the token that takes this player back after a disconnect
	Snapshot  []byte // sim snapshot of the world at Tick
}

// Command is an action by the session's own player. The player is never on
// the wire: the server takes it from the session.
type Command struct {
	Seq  uint32 // the client's sequence number, increasing
	Time uint32 // when it was issued, on the server's match clock (ms) as the client estimates it
	// Input holds the action and its arguments; Input.Player is ignored.
	Input sim.Input
}

// Event is an accepted command (or a join or leave the server made) as it
// takes effect in a frame.
type Event struct {
	Seq   uint32 // the command's sequence number; 0 for server-made events
	Input sim.Input
}

// Frame carries the events of one tick, after the server simulated it.
type Frame struct {
	Tick    uint32
	Events  []Event
	HasHash bool
	Hash    uint64 // the world hash after Tick, when HasHash
}

// Reject refuses a command.
type Reject struct {
	Seq    uint32
	Reason Reason
	Text   string
}

// Ping asks for the server's clock; ClientTime comes back unchanged.
type Ping struct{ ClientTime uint64 }

// Pong answers a Ping.
type Pong struct {
	ClientTime uint64
	ServerTime uint32 // the match clock, ms, when the pong was sent
}

// HashReport tells the server the client's world hash after Tick.
type HashReport struct {
	Tick uint32
	Hash uint64
}

// Notice tells a client of something that happens to its session.
type Notice struct {
	Code NoticeCode
	Text string
}

// NoticeCode says what a Notice is about.
type NoticeCode uint8

// Notice codes.
const (
	NoticeMatchEnding NoticeCode = 1 // the match ends; the connection closes next
	NoticeKicked      NoticeCode = 2 // an admin removed the player
	NoticeShutdown    NoticeCode = 3 // the server is shutting down
	NoticeDesync      NoticeCode = 4 // the client's hash differed; a Snapshot follows
	numNotices                   = NoticeDesync + 1
)

// Snapshot replaces the client's world after a desync.
type Snapshot struct{ Snapshot []byte }

func (*Hello) Kind() Kind      { return KindHello }
func (*Welcome) Kind() Kind    { return KindWelcome }
func (*Command) Kind() Kind    { return KindCommand }
func (*Frame) Kind() Kind      { return KindFrame }
func (*Reject) Kind() Kind     { return KindReject }
func (*Ping) Kind() Kind       { return KindPing }
func (*Pong) Kind() Kind       { return KindPong }
func (*HashReport) Kind() Kind { return KindHashReport }
func (*Notice) Kind() Kind     { return KindNotice }
func (*Snapshot) Kind() Kind   { return KindSnapshot }

// Append implements Message.
func (m *Hello) Append(dst []byte) []byte {
	return mpack.Append(dst, func(a *mpack.Appender) {
		a.ArrayLen(5)
		a.Uint(uint64(KindHello))
		a.Uint(uint64(m.Version))
		a.Str(m.Name)
		a.Str(m.Match)
		a.Str(m.Resume)
	})
}

// Append implements Message.
func (m *Welcome) Append(dst []byte) []byte {
	return mpack.Append(dst, func(a *mpack.Appender) {
		a.ArrayLen(10)
		a.Uint(uint64(KindWelcome))
		a.Uint(uint64(m.Player))
		a.Str(m.Match)
		a.Str(m.Map)
		a.Uint(uint64(m.TickRate))
		a.Uint(uint64(m.Tick))
		a.Uint(uint64(m.Time))
		a.Uint(uint64(m.HashEvery))
		a.Str(m.Resume)
		a.Bin(m.Snapshot)
	})
}

// Append implements Message.
func (m *Command) Append(dst []byte) []byte {
	return mpack.Append(dst, func(a *mpack.Appender) {
		a.ArrayLen(4 + len(ActionArgs(m.Input.Action)))
		a.Uint(uint64(KindCommand))
		a.Uint(uint64(m.Seq))
		a.Uint(uint64(m.Time))
		AppendAction(a, &m.Input)
	})
}

// Append implements Message. A frame is also the unit of the replay log.
func (m *Frame) Append(dst []byte) []byte {
	return mpack.Append(dst, func(a *mpack.Appender) {
		n := 3
		if m.HasHash {
			n = 4
		}
		a.ArrayLen(n)
		a.Uint(uint64(KindFrame))
		a.Uint(uint64(m.Tick))
		a.ArrayLen(len(m.Events))
		for i := range m.Events {
			ev := &m.Events[i]
			a.ArrayLen(3 + len(ActionArgs(ev.Input.Action)))
			a.Uint(uint64(ev.Input.Player))
			a.Uint(uint64(ev.Seq))
			AppendAction(a, &ev.Input)
		}
		if m.HasHash {
			a.Uint(m.Hash)
		}
	})
}

// Append implements Message.
func (m *Reject) Append(dst []byte) []byte {
	return mpack.Append(dst, func(a *mpack.Appender) {
		a.ArrayLen(4)
		a.Uint(uint64(KindReject))
		a.Uint(uint64(m.Seq))
		a.Uint(uint64(m.Reason))
		a.Str(m.Text)
	})
}

// Append implements Message.
func (m *Ping) Append(dst []byte) []byte {
	return mpack.Append(dst, func(a *mpack.Appender) {
		a.ArrayLen(2)
		a.Uint(uint64(KindPing))
		a.Uint(m.ClientTime)
	})
}

// Append implements Message.
func (m *Pong) Append(dst []byte) []byte {
	return mpack.Append(dst, func(a *mpack.Appender) {
		a.ArrayLen(3)
		a.Uint(uint64(KindPong))
		a.Uint(m.ClientTime)
		a.Uint(uint64(m.ServerTime))
	})
}

// Append implements Message.
func (m *HashReport) Append(dst []byte) []byte {
	return mpack.Append(dst, func(a *mpack.Appender) {
		a.ArrayLen(3)
		a.Uint(uint64(KindHashReport))
		a.Uint(uint64(m.Tick))
		a.Uint(m.Hash)
	})
}

// Append implements Message.
func (m *Notice) Append(dst []byte) []byte {
	return mpack.Append(dst, func(a *mpack.Appender) {
		a.ArrayLen(3)
		a.Uint(uint64(KindNotice))
		a.Uint(uint64(m.Code))
		a.Str(m.Text)
	})
}

// Append implements Message.
func (m *Snapshot) Append(dst []byte) []byte {
	return mpack.Append(dst, func(a *mpack.Appender) {
		a.ArrayLen(2)
		a.Uint(uint64(KindSnapshot))
		a.Bin(m.Snapshot)
	})
}

// decodeAction reads an action and its arguments; n is the number of
// elements left in the enclosing array, which must match the action.
func decodeAction(r *mpack.Reader, in *sim.Input, n int) {
	in.Action = ReadAction(r)
	if r.Err() != nil {
		return
	}
	if want := 1 + len(ActionArgs(in.Action)); n != want {
		r.Fail("action %s with %d arguments, want %d", in.Action, n-1, want-1)
		return
	}
	ReadArgs(r, in)
}

const maxU32 = 1<<32 - 1

// Decode decodes any message. It allocates the message; the typed Decode
// methods below reuse the caller's.
func Decode(b []byte) (Message, error) {
	k, err := PeekKind(b)
	if err != nil {
		return nil, err
	}
	var m interface {
		Message
		Decode([]byte) error
	}
	switch k {
	case KindHello:
		m = new(Hello)
	case KindWelcome:
		m = new(Welcome)
	case KindCommand:
		m = new(Command)
	case KindFrame:
		m = new(Frame)
	case KindReject:
		m = new(Reject)
	case KindPing:
		m = new(Ping)
	case KindPong:
		m = new(Pong)
	case KindHashReport:
		m = new(HashReport)
	case KindNotice:
		m = new(Notice)
	case KindSnapshot:
		m = new(Snapshot)
	}
	if err := m.Decode(b); err != nil {
		return nil, err
	}
	return m, nil
}

// PeekKind returns the kind of the message in b without decoding the rest.
func PeekKind(b []byte) (Kind, error) {
	if len(b) > MaxMessageSize {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), MaxMessageSize)
	}
	r := mpack.GetReader(b)
	defer mpack.PutReader(r)
	r.ArrayLen("message", 1, 255)
	k := Kind(r.Int("kind", 1, int64(numKinds-1)))
	if err := r.Err(); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return k, nil
}

// Decode reads a Hello from b.
func (m *Hello) Decode(b []byte) error {
	return decode(b, KindHello, func(r *mpack.Reader, n int) {
		fields(r, n, 4, 4)
		m.Version = r.Uint32("version")
		m.Name = r.Str("name", sim.MaxNameLen)
		m.Match = r.Str("match", MaxMatchIDLen)
		m.Resume = r.Str("resume token", MaxTokenLen)
	})
}

// Decode reads a Welcome from b. Snapshot aliases b.
func (m *Welcome) Decode(b []byte) error {
	return decode(b, KindWelcome, func(r *mpack.Reader, n int) {
		fields(r, n, 9, 9)
		m.Player = sim.PlayerID(r.Int("player", 1, maxU32))
		m.Match = r.Str("match", MaxMatchIDLen)
		m.Map = r.Str("map", MaxMatchIDLen)
		m.TickRate = int32(r.Int("tick rate", sim.MinTickRate, sim.MaxTickRate))
		m.Tick = r.Uint32("tick")
		m.Time = r.Uint32("time")
		m.HashEvery = uint32(r.Int("hash interval", 1, maxU32))
		m.Resume = r.Str("resume token", MaxTokenLen)
		m.Snapshot = r.Bin("snapshot", MaxMessageSize)
	})
}

// Decode reads a Command from b.
func (m *Command) Decode(b []byte) error {
	return decode(b, KindCommand, func(r *mpack.Reader, n int) {
		fields(r, n, 3, 5)
		m.Seq = r.Uint32("seq")
		m.Time = r.Uint32("time")
		m.Input = sim.Input{}
		decodeAction(r, &m.Input, n-2)
	})
}

// Decode reads a Frame from b, reusing m.Events' storage. Join names are
// copied; nothing aliases b.
func (m *Frame) Decode(b []byte) error {
	return decode(b, KindFrame, func(r *mpack.Reader, n int) {
		fields(r, n, 2, 3)
		m.Tick = r.Uint32("tick")
		ne := r.ArrayLen("events", 0, MaxEvents)
		m.Events = m.Events[:0]
		for i := 0; i < ne && r.Err() == nil; i++ {
			nf := r.ArrayLen("event", 3, 5)
			var ev Event
			ev.Input.Player = sim.PlayerID(r.Int("player", 1, maxU32))
			ev.Seq = r.Uint32("seq")
			decodeAction(r, &ev.Input, nf-2)
			m.Events = append(m.Events, ev)
		}
		m.HasHash = n == 3
		m.Hash = 0
		if m.HasHash {
			m.Hash = r.Uint64("hash")
		}
	})
}

// Decode reads a Reject from b.
func (m *Reject) Decode(b []byte) error {
	return decode(b, KindReject, func(r *mpack.Reader, n int) {
		fields(r, n, 3, 3)
		m.Seq = r.Uint32("seq")
		m.Reason = Reason(r.Int("reason", 1, 255))
		m.Text = r.Str("text", MaxTextLen)
	})
}

// Decode reads a Ping from b.
func (m *Ping) Decode(b []byte) error {
	return decode(b, KindPing, func(r *mpack.Reader, n int) {
		fields(r, n, 1, 1)
		m.ClientTime = r.Uint64("client time")
	})
}

// Decode reads a Pong from b.
func (m *Pong) Decode(b []byte) error {
	return decode(b, KindPong, func(r *mpack.Reader, n int) {
		fields(r, n, 2, 2)
		m.ClientTime = r.Uint64("client time")
		m.ServerTime = r.Uint32("server time")
	})
}

// Decode reads a HashReport from b.
func (m *HashReport) Decode(b []byte) error {
	return decode(b, KindHashReport, func(r *mpack.Reader, n int) {
		fields(r, n, 2, 2)
		m.Tick = r.Uint32("tick")
		m.Hash = r.Uint64("hash")
	})
}

// Decode reads a Notice from b.
func (m *Notice) Decode(b []byte) error {
	return decode(b, KindNotice, func(r *mpack.Reader, n int) {
		fields(r, n, 2, 2)
		m.Code = NoticeCode(r.Int("code", 1, int64(numNotices-1)))
		m.Text = r.Str("text", MaxTextLen)
	})
}

// Decode reads a Snapshot from b. Snapshot aliases b.
func (m *Snapshot) Decode(b []byte) error {
	return decode(b, KindSnapshot, func(r *mpack.Reader, n int) {
		fields(r, n, 1, 1)
		m.Snapshot = r.Bin("snapshot", MaxMessageSize)
	})
}
