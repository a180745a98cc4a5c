package server

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Fleet joins a server to the other nodes of a fleet: a directory of the
// fleet's nodes and matches, atomic claims of match ids, and storage of
// finished replays that every node can read. Package server/fleet
// implements it on NATS JetStream; a nil Fleet (Options.Fleet's zero value)
// is a standalone server that needs no other service.
//
// The server never calls a Fleet on a tick's path. Calls that may wait on
// the network take a context; the rest read a local cache. Implementations
// are safe for concurrent use.
type Fleet interface {
	// Self is this node as the fleet knows it.
	Self() FleetNode
	// Start begins publishing this node and its matches, as report
	// describes them when called, about once a second, and registers the
	// fleet's metrics with reg. It is called once, by New.
	Start(report func() FleetReport, reg prometheus.Registerer)
	// Claim makes this node the host of match id, atomically across the
	// fleet. If another node hosts it, Claim returns that node's entry
	// and ErrClaimed.
	Claim(ctx context.Context, m FleetMatch) (FleetMatch, error)
	// Release gives up the claim on match id: the match has ended.
	Release(id string)
	// Match returns the entry of match id, hosted on any node; false if
	// the fleet has no such match.
	Match(ctx context.Context, id string) (FleetMatch, bool, error)
	// Matches lists the fleet's matches, ordered by id.
	Matches() []FleetMatch
	// Nodes lists the fleet's live nodes, ordered by id.
	Nodes() []FleetNode
	// Drain tells the fleet that this node takes no new matches.
	Drain()

	// StoreReplay queues the finished replay file at path for the fleet's
	// replay store; it returns at once. info describes it for listings.
	StoreReplay(path string, info FleetReplay)
	// Replays lists the fleet's stored replays, newest first.
	Replays() []FleetReplay
	// OpenReplay opens stored replay id for reading. The caller closes it.
	OpenReplay(ctx context.Context, id string) (FleetReplayFile, error)

	// Close uploads the queued replays, removes this node's entries from
	// the directory and disconnects, or gives up when ctx ends.
	Close(ctx context.Context) error
}

// ErrClaimed is Fleet.Claim's answer when another node hosts the match.
var ErrClaimed = errors.New("server: match hosted by another node")

// FleetNode is a node's entry in the fleet's directory.
type FleetNode struct {
	ID         string    `json:"id"`
	URL        string    `json:"url"` // the WebSocket URL clients reach it at
	Matches    int       `json:"matches"`
	Sessions   int       `json:"sessions"`
	MaxMatches int       `json:"max_matches"`
	Draining   bool      `json:"draining"`
	Started    time.Time `json:"started"`
}

// FleetMatch is a match's entry in the fleet's directory.
type FleetMatch struct {
	ID         string    `json:"id"`
	Node       string    `json:"node"`
	URL        string    `json:"url"` // the hosting node's WebSocket URL
	Map        string    `json:"map"`
	Players    int       `json:"players"`
	MaxPlayers int       `json:"max_players"`
	State      string    `json:"state"`
	Started    time.Time `json:"started"`
	Tick       uint32    `json:"tick"`
	Replay     string    `json:"replay"`
}

// FleetReport is what a node publishes about itself each second.
type FleetReport struct {
	Node    FleetNode
	Matches []FleetMatch
}

// FleetReplay describes a replay in the fleet's replay store.
type FleetReplay struct {
	ID        string    `json:"id"`
	Match     string    `json:"match"`
	Map       string    `json:"map"`
	Players   []string  `json:"players"`
	Started   time.Time `json:"started"`
	DurationS float64   `json:"duration_s"`
	Ticks     uint32    `json:"ticks"`
	Size      int64     `json:"size"`
	Recovered bool      `json:"recovered"`
	Node      string    `json:"node"`   // the node that recorded it
	Digest    string    `json:"digest"` // SHA-256 of the file, as the store reports it
}

// FleetReplayFile is a stored replay opened for reading, seekable so that
// HTTP range requests can be served from it.
type FleetReplayFile interface {
	io.ReadSeekCloser
	Info() FleetReplay
	ModTime() time.Time
}
